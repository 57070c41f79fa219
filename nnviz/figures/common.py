"""Shared figure pieces: the digit heatmap, probability bars, and the house style."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

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
    """The 10 class probabilities; the predicted (or given) class is coloured."""
    highlight = int(np.argmax(probs)) if highlight is None else highlight
    colours = ["#ff4b4b" if d == highlight else "#8892a6" for d in range(10)]
    fig = go.Figure(go.Bar(
        x=[str(d) for d in range(10)], y=probs, marker_color=colours,
        text=[f"{p:.0%}" if p >= 0.01 else "" for p in probs], textposition="outside",
        hovertemplate="digit %{x}: probability %{y:.4f}<extra></extra>"))
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%", title="probability")
    fig.update_xaxes(title="digit", type="category")
    return style(fig, 300, title=title)


def pixelated(image: np.ndarray, size: int = 140) -> np.ndarray:
    """A small grey image scaled up with hard pixel edges (browsers blur upscaled images)."""
    image = np.clip(np.asarray(image, np.float32), 0, 1)
    factor = max(1, size // max(image.shape))
    return (np.kron(image, np.ones((factor, factor), np.float32)) * 255).astype(np.uint8)
