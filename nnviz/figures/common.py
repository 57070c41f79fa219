"""Shared figure pieces: the digit heatmap, probability bars, and the house style."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go
from PIL import Image

# The app's one colour language: each colour means one thing on every page, and captions name
# colours by these meanings. Mostly Okabe & Ito's colour-blind-safe set: every pair that must be told
# apart stays apart under simulated protanopia, deuteranopia and tritanopia (tests/figures/test_common.py).
# The app's theme is dark, so white can mean "look here".
PALETTE = MappingProxyType({
    "training": "#56B4E9",    # light blue: measured on the digits the network trains on
    "validation": "#E69F00",  # orange: measured on held-out digits it never trains on
    "true": "#009E73",        # green: the right answer (a digit's true label)
    "wrong": "#F0E442",       # yellow: a wrong answer (mistakes, Teach's rival, a probe's wrong favourite)
    "focus": "#FFFFFF",       # white: the one thing to look at (the answer, the picked neuron or pixel)
    "neutral": "#8892a6",     # grey: everything else, and "before"
    "positive": "#D55E00",    # red: raises, grows (as the red end of DIVERGING)
    "negative": "#0072B2",    # blue: lowers, shrinks (as the blue end of DIVERGING)
    "dropped": "#6A3D9A",     # dark purple: switched off by a training-mode dropout mask
})
INK = "Greys_r"                 # white ink on black, as the canvas and MNIST show digits
DIVERGING = "RdBu_r"            # red positive, blue negative, white at 0
FONT = dict(size=14)


def style(fig: go.Figure, height: int = 320, **layout) -> go.Figure:
    """Compact margins and a transparent background, so figures sit cleanly in any theme."""
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=36, b=10), font=FONT,
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", **layout)
    return fig


def digit_heatmap(image: np.ndarray, title: str = "", height: int = 320) -> go.Figure:
    """A 28×28 digit; hovering a pixel shows its row, column, flat index and value."""
    rows, cols = np.indices(image.shape)
    fig = go.Figure(go.Heatmap(
        z=image, colorscale=INK, zmin=0, zmax=1, showscale=False,
        customdata=rows * image.shape[1] + cols,
        hovertemplate="row %{y}, col %{x}<br>input index %{customdata}<br>value %{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", showticklabels=False, showgrid=False, zeroline=False)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, constrain="domain")
    return style(fig, height, title=title)


def probability_bars(probs: np.ndarray, highlight: int | None = None, title: str = "") -> go.Figure:
    """The 10 class probabilities; the predicted (or given) class is coloured.

    Built without plotly's validation (~0.5 ms instead of ~20 ms): it is redrawn after every stroke,
    and its few properties are fixed here, so validating them each time buys nothing.
    """
    highlight = int(np.argmax(probs)) if highlight is None else highlight
    probs = np.asarray(probs, np.float64)
    bar = dict(type="bar", x=[str(d) for d in range(10)], y=probs.tolist(),
               marker=dict(color=[PALETTE["focus"] if d == highlight else PALETTE["neutral"] for d in range(10)]),
               text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs], textposition="outside",
               hovertemplate="digit %{x}: probability %{y:.4f}<extra></extra>")
    layout = dict(height=300, margin=dict(l=10, r=10, t=36, b=10), font=FONT, title=dict(text=title),
                  paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                  yaxis=dict(range=[0, 1.12], tickformat=".0%", title=dict(text="probability")),
                  xaxis=dict(title=dict(text="digit"), type="category"))
    return go.Figure(data=[bar], layout=layout, _validate=False)


def pixelated(image: np.ndarray, size: int = 140) -> np.ndarray:
    """A small grey image scaled up with hard pixel edges (browsers blur upscaled images)."""
    image = np.clip(np.asarray(image, np.float32), 0, 1)
    factor = max(1, size // max(image.shape))
    return (np.kron(image, np.ones((factor, factor), np.float32)) * 255).astype(np.uint8)


def boxed(image: np.ndarray, size: int = 140) -> np.ndarray:
    """A grey image fitted into a black size × size square, so a row of steps lines up: small ones
    are scaled up with hard pixel edges, large ones scaled down."""
    image = np.clip(np.asarray(image, np.float32), 0, 1)
    longest = max(image.shape)
    if longest > size:
        h, w = (max(1, round(n * size / longest)) for n in image.shape)
        fitted = np.asarray(Image.fromarray((image * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BOX))
    else:
        fitted = pixelated(image, size)
    out = np.zeros((size, size), np.uint8)
    top, left = (size - fitted.shape[0]) // 2, (size - fitted.shape[1]) // 2
    out[top:top + fitted.shape[0], left:left + fitted.shape[1]] = fitted
    return out
