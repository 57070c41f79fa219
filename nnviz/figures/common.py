"""Shared figure pieces: the house style, the digit heatmap, probability bars, tile mosaics and colour limits."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from nnviz.network import SIDE

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


def symmetric_range(values: np.ndarray, quantile: float = 0.995) -> float:
    """A colour limit ±m centred on 0, so that red and blue mean the same amount either way.

    quantile < 1 lets a few outlying values not wash out the rest; 1.0 is the largest |value|.
    NaNs (a mosaic's gaps) are ignored, and an all-zero input gets 1, never a zero-width scale.
    """
    values = np.abs(np.ravel(values))
    if quantile >= 1:
        m = float(np.nanmax(values)) if values.size and not np.isnan(values).all() else 0.0
    else:
        values = values[::max(1, values.size // 100_000)]  # a regular subsample is plenty for a colour limit
        m = float(np.quantile(values, quantile)) if values.size else 0.0
    return m if m > 0 else 1.0


def pack_tiles(tiles: np.ndarray, columns: int, gap: int = 2, header: int = 0, fill=np.nan,
               vgap: int | None = None) -> np.ndarray:
    """(n, h, w) tiles → one image, `columns` tiles per row, `gap` cells of `fill` between them (`vgap`
    between rows, if different) and `header` rows of `fill` above each row of tiles (room for labels).
    One image is one heatmap trace: far cheaper to draw than a subplot per tile, even at width 1024."""
    tiles = np.asarray(tiles)
    n, h, w = tiles.shape
    vgap = gap if vgap is None else vgap
    rows = max(1, -(-n // columns))
    tall, wide = header + h + vgap, w + gap  # one tile's slot
    slots = np.full((rows * columns, tall, wide), fill, dtype=np.result_type(tiles, fill))
    slots[:n, header:header + h, :w] = tiles
    image = slots.reshape(rows, columns, tall, wide).transpose(0, 2, 1, 3).reshape(rows * tall, columns * wide)
    return image[:rows * tall - vgap, :columns * wide - gap]


@dataclass(frozen=True)
class Mosaic:
    """Many 28×28 weight tiles packed into one image (NaN in the gaps), for one heatmap."""

    values: np.ndarray   # (H, W) weights, NaN between tiles
    neuron: np.ndarray   # (H, W) which hidden unit each cell belongs to (-1 in gaps)
    row: np.ndarray      # (H, W) pixel row inside its tile (-1 in gaps)
    col: np.ndarray      # (H, W) pixel column inside its tile (-1 in gaps)
    neurons: np.ndarray  # the tiles' neurons, in reading order
    columns: int
    gap: int
    header: int          # empty rows above each row of tiles, room for their labels

    def origins(self) -> tuple[np.ndarray, np.ndarray]:
        """(y, x) of each tile's top-left pixel, in the order of `neurons`."""
        y, x = np.divmod(np.arange(len(self.neurons)), self.columns)
        return y * (self.header + SIDE + self.gap) + self.header, x * (SIDE + self.gap)


def tile_mosaic(kernel: np.ndarray, neurons: np.ndarray, columns: int = 8, gap: int = 2, header: int = 0) -> Mosaic:
    """Lay out the incoming weights of first-layer `neurons` as 28×28 tiles, `columns` per row."""
    neurons = np.asarray(neurons, dtype=int)
    n = len(neurons)
    columns = max(1, min(columns, n))
    r, c = np.indices((SIDE, SIDE))
    ones = np.ones((n, SIDE, SIDE), dtype=int)
    weights = np.asarray(kernel)[:, neurons].T.reshape(n, SIDE, SIDE)
    packed = [pack_tiles(t, columns, gap, header, fill) for t, fill in
              ((weights, np.nan), (neurons[:, None, None] * ones, -1), (r * ones, -1), (c * ones, -1))]
    return Mosaic(*packed, neurons, columns, gap, header)
