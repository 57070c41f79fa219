"""Figures of a teaching step: probabilities before and after, every layer's weight changes and gradient size,
the learning curve."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from nnviz.figures import panels
from nnviz.figures.common import DIVERGING, PALETTE, pack_tiles, symmetric_range
from nnviz.teach import LayerGradient

BEFORE, AFTER = PALETTE["neutral"], PALETTE["focus"]  # probabilities before teaching, and now
TRUE, RIVAL = PALETTE["true"], PALETTE["wrong"]       # the true digit, and the wrong answer it competes with
GROW, SHRINK = PALETTE["positive"], PALETTE["negative"]  # reinforced and penalised neurons, as the diverging scale
GRID = 29  # a 28-pixel tile plus a one-pixel gap


def digit_ticks(label: int, rival: int) -> list[str]:
    """Digit names for an axis, the true digit in green and the rival in yellow, as their outlines."""
    names = [str(d) for d in range(10)]
    names[label] = f"<b><span style='color:{TRUE}'>{label}</span></b>"
    if rival != label:
        names[rival] = f"<b><span style='color:{RIVAL}'>{rival}</span></b>"
    return names


def probabilities_before_after(before: np.ndarray, after: np.ndarray, label: int) -> go.Figure:
    """The 10 probabilities before and after the step, side by side; the true digit's ticks are named."""
    names = [f"{d} (true)" if d == label else str(d) for d in range(10)]
    traces = []
    for probs, name, colour in ((before, "before", BEFORE), (after, "after", AFTER)):
        labelled = name == "after"  # one label per digit: side by side, two would overlap
        traces.append(dict(type="bar", x=names, y=probs, name=name, marker=dict(color=colour),
                           text=[f"{p:.0%}" if p >= 0.01 and labelled else "" for p in probs], textposition="outside",
                           textfont=dict(size=13), cliponaxis=False,
                           hovertemplate=f"digit %{{x}}, {name}: probability %{{y:.4f}}<extra></extra>"))
    layout = dict(shapes=[dict(type="rect", x0=label - 0.5, x1=label + 0.5, xref="x", y0=0, y1=1, yref="y domain",
                               fillcolor=TRUE, opacity=0.15, line=dict(width=0), layer="below")],
                  yaxis=dict(range=[0, 1.15], tickformat=".0%", title=dict(text="probability")),
                  xaxis=dict(title=dict(text="digit"), type="category"))
    return panels.figure(traces, layout, 320, barmode="group", legend=dict(orientation="h", y=1.12, x=0),
                         uniformtext=dict(minsize=12, mode="show"))  # keep the % labels legible on narrow bars


def _mosaic(columns: list[np.ndarray]) -> np.ndarray:
    """28×28 tiles side by side with NaN gaps: one heatmap trace instead of one subplot per neuron."""
    tiles = np.asarray(columns, dtype=np.float64).reshape(len(columns), 28, 28)
    return pack_tiles(tiles, len(columns), gap=GRID - 28)


def _mosaic_data(neurons, grads=None) -> np.ndarray:
    """Hover data per mosaic pixel: neuron, input index, and (optionally) the gradient there."""
    rows, cols = np.indices((28, GRID * len(neurons) - 1))
    tile, col = cols // GRID, cols % GRID
    neuron = np.asarray(neurons)[np.minimum(tile, len(neurons) - 1)]
    index = rows * 28 + np.minimum(col, 27)
    grad = np.zeros(rows.shape) if grads is None else grads[index, neuron]
    return np.stack([neuron, index, grad], axis=-1)


def hidden_changes(weights_w1: np.ndarray, update_w1: np.ndarray, grads_w1: np.ndarray,
                   neurons: np.ndarray, verdicts: list[str]) -> go.Figure:
    """For the neurons most affected: what each looks for (its weights), and this step's change to them.

    The bottom row colours the UPDATE (new − old): red = weights that grow, blue = weights that shrink.
    """
    neurons = list(map(int, neurons))
    # Two panels, one above the other, as make_subplots(rows=2, vertical_spacing=0.1) lays them out.
    titles = [dict(text=text, x=0.5, xanchor="center", xref="paper", y=top, yanchor="bottom", yref="paper",
                   showarrow=False, font=dict(size=16))
              for text, top in (("what each neuron looks for: its weights now", 1.0),
                                ("this step's change to them: red grows, blue shrinks", 0.45))]
    layout = dict(xaxis=dict(anchor="y", domain=[0.0, 1.0]), yaxis=dict(anchor="x", domain=[0.55, 1.0]),
                  xaxis2=dict(anchor="y2", domain=[0.0, 1.0]), yaxis2=dict(anchor="x2", domain=[0.0, 0.45]),
                  annotations=titles)
    if not neurons:
        return panels.figure([], layout, 200, title="The step changed no hidden weights")
    weights = _mosaic([weights_w1[:, j] for j in neurons])
    update = _mosaic([update_w1[:, j] for j in neurons])
    w_top, u_top = symmetric_range(weights, 1.0), symmetric_range(update, 1.0)
    diverging = panels.scale(DIVERGING)
    traces = [dict(type="heatmap", z=weights, customdata=_mosaic_data(neurons), colorscale=diverging, zmin=-w_top,
                   zmax=w_top, showscale=False, hoverongaps=False, xaxis="x", yaxis="y",
                   hovertemplate="neuron %{customdata[0]}, input pixel %{customdata[1]}"
                                 "<br>weight %{z:.5f}<extra></extra>"),
              dict(type="heatmap", z=update, customdata=_mosaic_data(neurons, grads_w1), colorscale=diverging,
                   zmin=-u_top, zmax=u_top, hoverongaps=False, xaxis="x2", yaxis="y2",
                   # Below the tiles, not beside them: on a phone the tiles then get the whole width.
                   colorbar=dict(title=dict(text="change", side="top"), orientation="h", len=0.7, x=0.5,
                                 y=-0.04, yanchor="top", thickness=12, tickformat=".1e", nticks=5),
                   hovertemplate="neuron %{customdata[0]}, input pixel %{customdata[1]}"
                                 "<br>change %{z:+.3e}<br>gradient %{customdata[2]:+.3e}<extra></extra>")]
    for title in titles:  # left-aligned: centred over narrow tiles, a phone cut them off
        title.update(x=0, xanchor="left")
    for i, (j, verdict) in enumerate(zip(neurons, verdicts, strict=True)):
        colour = GROW if verdict == "reinforced" else SHRINK if verdict == "penalised" else BEFORE
        titles.append(dict(x=GRID * i + 13.5, y=-0.2, xref="x", yref="y", text=f"<b>#{j}</b><br>{verdict}",
                           showarrow=False, yanchor="bottom", font=dict(color=colour, size=12)))
    bare = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="")
    for axis in ("xaxis", "xaxis2"):
        layout[axis].update(bare)
    layout["yaxis"].update(bare, scaleanchor="x", range=[27.5, -12], autorange=False)  # headroom for the labels
    layout["yaxis2"].update(bare, autorange="reversed", scaleanchor="x2")
    # A fixed x range that fits the domain to it: otherwise plotly widens the x range to keep the tiles
    # square for the width it first drew at, and a chart first drawn narrow kept tiny tiles (seen at 1280 px).
    layout["xaxis"].update(range=[-0.5, weights.shape[1] - 0.5], autorange=False, constrain="domain")
    return panels.figure(traces, layout, 520, margin=dict(b=70))  # room for the colour bar below


def output_changes(update_w2: np.ndarray, grads_w2: np.ndarray, label: int, rival: int,
                   below: str = "hidden neuron") -> go.Figure:
    """The output kernel's change (width × 10), with the true digit's and the rival's columns outlined."""
    width = update_w2.shape[0]
    top = symmetric_range(update_w2, 1.0)
    neurons = np.repeat(np.arange(width)[:, None], 10, axis=1)
    digits = np.repeat(np.arange(10)[None, :], width, axis=0)
    heat = dict(type="heatmap", z=update_w2, x=list(range(10)), colorscale=panels.scale(DIVERGING), zmin=-top,
                zmax=top, customdata=np.stack([neurons, digits, grads_w2], axis=-1),
                colorbar=dict(title=dict(text="change"), thickness=14, tickformat=".1e"),
                hovertemplate=below + " %{customdata[0]} → digit %{customdata[1]}"
                                      "<br>change %{z:+.3e}<br>gradient %{customdata[2]:+.3e}<extra></extra>")
    marks = [(label, TRUE)] + ([(rival, RIVAL)] if rival != label else [])
    layout = dict(shapes=[dict(type="rect", x0=digit - 0.5, x1=digit + 0.5, y0=-0.5, y1=width - 0.5,
                               line=dict(color=colour, width=3)) for digit, colour in marks],
                  xaxis=dict(tickvals=list(range(10)), ticktext=digit_ticks(label, rival), side="top", tickangle=0,
                             showgrid=False, zeroline=False, title=dict(text="digit", standoff=4)),
                  yaxis=dict(autorange="reversed", title=dict(text=below), showgrid=False, zeroline=False))
    return panels.figure([heat], layout, 470, margin=dict(t=56))  # room for the digit names on top


def gradient_sizes(sizes: list[LayerGradient]) -> go.Figure:
    """One bar per Dense layer, first hidden layer on the left: the size (norm) of its weight gradient, log scale,
    so a gradient that shrinks by ×10 per layer reads as steps of equal height."""
    names = [size.name.replace(" layer", "") for size in sizes]  # short: five names share a phone's width
    norms = [size.norm for size in sizes]
    bars = dict(type="bar", x=names, y=norms, marker=dict(color=BEFORE), text=[f"{n:.2g}" for n in norms],
                textposition="outside", cliponaxis=False, customdata=[[size.largest, size.weights] for size in sizes],
                hovertemplate="%{x}: ‖gradient‖ = %{y:.3e}<br>largest for one weight %{customdata[0]:.3e}"
                              "<br>%{customdata[1]:,} weights<extra></extra>")
    shown = [n for n in norms if n > 0] or [1.0]
    low, high = np.log10(min(shown)), np.log10(max(shown))
    # Down to the decade below the smallest bar, so every bar shows; just enough above the largest for its label.
    layout = dict(yaxis=dict(type="log", title=dict(text="gradient size"), range=[np.floor(low - 0.1), high + 0.3],
                             exponentformat="power", dtick=1),
                  xaxis=dict(type="category", title=dict(text="layer (the input side on the left)")))
    return panels.figure([bars], layout, 300, title=dict(text="How big each layer's gradient is", x=0, xref="paper"))


def kernel_changes(update: np.ndarray, grads: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                   below: str, above: str) -> go.Figure:
    """A kernel between two hidden layers: this step's change to the weights from the `rows` neurons of the layer
    below to the `cols` neurons of the layer above (red grows, blue shrinks); hover shows the gradient too."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    change, grad = update[np.ix_(rows, cols)], grads[np.ix_(rows, cols)]
    top = symmetric_range(change, 1.0)
    heat = dict(type="heatmap", z=change, x=[str(c) for c in cols], y=[str(r) for r in rows],
                colorscale=panels.scale(DIVERGING), zmin=-top, zmax=top, customdata=grad,
                colorbar=dict(title=dict(text="change"), thickness=14, tickformat=".1e"),
                hovertemplate=f"{below} neuron %{{y}} → {above} neuron %{{x}}"
                              "<br>change %{z:+.3e}<br>gradient %{customdata:+.3e}<extra></extra>")
    layout = dict(xaxis=dict(type="category", title=dict(text=f"{above} neuron"), showgrid=False, nticks=12,
                             side="top"),
                  yaxis=dict(type="category", title=dict(text=f"{below} neuron"), autorange="reversed", showgrid=False,
                             nticks=12))
    return panels.figure([heat], layout, 420, margin=dict(t=56))


def learning_curve(probs: list[np.ndarray] | np.ndarray, label: int) -> go.Figure:
    """The true digit's probability after each step, against the best wrong digit's: the lines cross when it wins."""
    probs = np.asarray(probs, dtype=np.float64).reshape(-1, 10)
    steps = np.arange(len(probs))
    others = probs.copy()
    others[:, label] = -np.inf
    best_other = others.max(axis=1)
    which = others.argmax(axis=1)
    traces = [dict(type="scatter", x=steps, y=probs[:, label], mode="lines+markers", name=f"true digit {label}",
                   line=dict(color=TRUE, width=3), marker=dict(size=9),
                   hovertemplate=f"steps taught: %{{x}}<br>p({label}) = %{{y:.4f}}<extra></extra>"),
              dict(type="scatter", x=steps, y=best_other, mode="lines+markers", name="best wrong digit",
                   customdata=which, line=dict(color=RIVAL, width=2, dash="dot"), marker=dict(size=7),
                   hovertemplate="steps taught: %{x}<br>p(%{customdata}) = %{y:.4f}<extra></extra>")]
    x_axis = dict(title=dict(text="steps taught"), rangemode="tozero")
    if len(steps) <= 20:  # beyond, plotly's own ticks (None: not set at all)
        x_axis["dtick"] = 1
    layout = dict(xaxis=x_axis, yaxis=dict(range=[0, 1.05], tickformat=".0%", title=dict(text="probability")))
    return panels.figure(traces, layout, 320, legend=dict(orientation="h", y=1.12, x=0))
