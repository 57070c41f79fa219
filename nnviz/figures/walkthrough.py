"""Figures of the forward walkthrough: one neuron's weighted sum (as pictures in the first layer, as bars deeper),
every hidden layer's outputs, and the logits."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnviz.figures.common import DIVERGING, INK, PALETTE, style, symmetric_range
from nnviz.walkthrough import NeuronSum

HIGHLIGHT, PLAIN = PALETTE["focus"], PALETTE["neutral"]


def neuron_sum_tiles(ns: NeuronSum) -> go.Figure:
    """Three 28×28 pictures: the digit x, the neuron's weights w, and x·w, whose pixels add up to w·x."""
    # Short titles: three side by side share a phone's 390 px (longer ones overlapped there; the text
    # beside the figure names the neuron).
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.04, subplot_titles=(
        "x: your digit", "w: its weights", f"x×w: Σ {ns.dot:.4f}"))
    index = np.arange(784).reshape(28, 28)
    w_top, p_top = symmetric_range(ns.weights, 1.0), symmetric_range(ns.products, 1.0)
    tiles = [(ns.inputs, INK, 0.0, 1.0, "x = %{z:.3f}"), (ns.weights, DIVERGING, -w_top, w_top, "w = %{z:+.4f}"),
             (ns.products, DIVERGING, -p_top, p_top, "x × w = %{z:+.4f}")]
    for col, (values, scale, low, high, text) in enumerate(tiles, start=1):
        fig.add_heatmap(z=values.reshape(28, 28), customdata=index, colorscale=scale, zmin=low, zmax=high,
                        showscale=False, row=1, col=col,
                        hovertemplate="pixel %{customdata} (row %{y}, col %{x})<br>" + text + "<extra></extra>")
    fig.update_yaxes(autorange="reversed", showticklabels=False, showgrid=False, zeroline=False, ticks="")
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    for col in (1, 2, 3):
        fig.update_yaxes(scaleanchor=f"x{'' if col == 1 else col}", row=1, col=col)
    return style(fig, 250)


def hidden_bars(hidden: np.ndarray, chosen: int) -> go.Figure:
    """One hidden layer's outputs for this digit; the chosen neuron is the white bar."""
    return layer_bars([hidden], 0, chosen, ["hidden layer"])


def input_bars(ns: NeuronSum) -> go.Figure:
    """A deeper neuron's sum as three rows of bars over the layer below's neurons: their outputs h, the neuron's
    weights w, and h × w, whose bars add up to w·h (red pushes z up, blue down)."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.09, subplot_titles=(
        "h: the layer below's outputs", f"w: neuron {ns.neuron}'s weights", f"h × w: sums to {ns.dot:.4f}"))
    x = np.arange(len(ns.inputs))
    signs = [PALETTE["positive"] if p > 0 else PALETTE["negative"] for p in ns.products]
    rows = [(ns.inputs, PLAIN, "h = %{y:.4f}"), (ns.weights, PLAIN, "w = %{y:+.4f}"),
            (ns.products, signs, "h × w = %{y:+.4f}")]
    for row, (values, colour, text) in enumerate(rows, start=1):
        fig.add_bar(x=x, y=values, marker_color=colour, marker_line_width=0, row=row, col=1, showlegend=False,
                    hovertemplate="input neuron %{x}: " + text + "<extra></extra>")
    fig.update_xaxes(title="neuron of the layer below", row=3, col=1)
    return style(fig, 380, bargap=0.1)


def layer_bars(hiddens, layer: int, chosen: int, names: list[str]) -> go.Figure:
    """Every hidden layer's outputs for this digit, one row each (named by `names`); the chosen neuron of the
    chosen layer is the white bar (no bar is white when the chosen layer is the output)."""
    fig = make_subplots(rows=len(hiddens), cols=1, vertical_spacing=0.42 / len(hiddens), subplot_titles=names)
    for row, hidden in enumerate(hiddens):
        colours = [HIGHLIGHT if row == layer and j == chosen else PLAIN for j in range(len(hidden))]
        fig.add_bar(x=np.arange(len(hidden)), y=hidden, marker_color=colours, marker_line_width=0, row=row + 1,
                    col=1, showlegend=False, hovertemplate="neuron %{x}: output %{y:.4f}<extra></extra>")
        fig.update_yaxes(title="output" if len(hiddens) == 1 else None, row=row + 1, col=1)
    fig.update_xaxes(title="neuron", row=len(hiddens), col=1)
    if len(hiddens) == 1:
        fig.layout.annotations = ()  # one layer: the caption names it
    return style(fig, 260 if len(hiddens) == 1 else 90 + 150 * len(hiddens))


def logit_bars(dots: np.ndarray, biases: np.ndarray, logits: np.ndarray) -> go.Figure:
    """The 10 logits; hovering shows each as Σ hidden·weight plus bias."""
    winner = int(np.argmax(logits))
    fig = go.Figure(go.Bar(
        x=[str(d) for d in range(10)], y=logits, customdata=np.stack([dots, biases], axis=-1),
        marker_color=[HIGHLIGHT if d == winner else PLAIN for d in range(10)],
        text=[f"{v:.2f}" for v in logits], textposition="outside",
        hovertemplate="digit %{x}: Σ hidden × weight = %{customdata[0]:.4f}<br>+ bias %{customdata[1]:+.4f}"
                      "<br>= logit %{y:.4f}<extra></extra>"))
    span = float(logits.max() - min(logits.min(), 0)) or 1.0
    fig.update_yaxes(title="logit", range=[min(logits.min(), 0) - 0.15 * span, logits.max() + 0.2 * span])
    fig.update_xaxes(title="digit", type="category")
    return style(fig, 300)
