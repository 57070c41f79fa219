"""Weights figures: first-layer tiles as one mosaic, one neuron up close, the output kernel, histograms."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from nnviz import anatomy
from nnviz.figures import common, panels
from nnviz.network import Network

MODEL_COLOURS = (common.PALETTE["focus"], common.PALETTE["neutral"])  # active model, then a fresh one
DIGITS = [str(d) for d in range(10)]


def _signed_colours(values) -> list[str]:
    return [common.PALETTE["positive"] if v >= 0 else common.PALETTE["negative"] for v in values]


def mosaic(tiles: common.Mosaic, limit: float, title: str = "", height: int | None = None,
           labels: bool = True, value: str = "weight") -> go.Figure:
    """Weight tiles on a diverging scale centred on 0 (red: ink here raises the neuron, blue: lowers it).

    One small heatmap per tile sharing one colour axis: a third of the bytes of a single gappy mosaic
    with a neuron id per cell, and each tile's hover can name its neuron.
    """
    ys, xs = tiles.origins()
    traces = [dict(type="heatmap", z=tiles.values[y:y + anatomy.SIDE, x:x + anatomy.SIDE].astype(np.float32),
                   x0=x, y0=y, coloraxis="coloraxis",
                   hovertemplate=f"neuron {n}<br>{value} %{{z:.4f}}<extra></extra>")
              for n, y, x in zip(tiles.neurons, ys, xs, strict=True)]
    if labels:  # one text trace labels every tile: far cheaper than an annotation per tile
        above = tiles.header > 0  # labels sit in the header band when there is one, else on the tile
        traces.append(dict(type="scatter", x=xs - 0.5, y=ys - 0.5 if above else ys + 0.5,
                           text=[f"#{n}" for n in tiles.neurons], mode="text",
                           textposition="top right" if above else "bottom right", hoverinfo="skip", showlegend=False,
                           textfont=dict(size=12, color="#c8ccd4" if above else "#202020")))
    height_px, width_px = tiles.values.shape
    layout = dict(
        coloraxis=dict(colorscale=panels.scale(common.DIVERGING), cmin=-limit, cmid=0, cmax=limit,
                       # below the tiles, not beside them: on a phone a side bar took a quarter of the width
                       colorbar=dict(orientation="h", thickness=10, len=0.7, y=-0.01, yanchor="top",
                                     title=dict(text=value))),
        yaxis=dict(range=[height_px - 0.5, -0.5], scaleanchor="x", visible=False),  # row 0 at the top
        xaxis=dict(range=[-0.5, width_px - 0.5], visible=False, constrain="domain"))
    rows = height_px / width_px  # aspect: ~1000 px wide on a wide page
    return panels.figure(traces, layout, height or int(70 + 1000 * min(rows, 0.6)), title=title)


def neuron_tiles(net: Network, neuron: int, image: np.ndarray, height: int = 300,
                 composed: anatomy.Composed | None = None) -> go.Figure:
    """One first-layer neuron's 784 incoming weights as a tile, and the tile × this digit (what it saw); or, given
    a deeper neuron's `composed` weights, those weights in pixel space and × this digit (its z, pixel by pixel)."""
    if composed is None:
        w = net.kernels[0][:, neuron].reshape(anatomy.SIDE, anatomy.SIDE)
        product, titles, name = w * image, [f"Neuron {neuron}'s weights", "× your digit"], "weight"
    else:
        w, product = composed.effective_weights[0], composed.pixels[0]
        titles, name = [f"#{neuron} in pixel space", "× your digit"], "effective weight"
    layout = panels.layout(panels.columns([1, 1], gap=0.08), titles, images=(0, 1))
    rows, cols = np.indices(w.shape)
    data = np.stack([rows, cols, rows * anatomy.SIDE + cols, w, image, product], -1)
    hover = ("row %{customdata[0]}, col %{customdata[1]} (input %{customdata[2]})<br>" + name +
             " %{customdata[3]:.4f}<br>× pixel %{customdata[4]:.3f} = %{customdata[5]:.4f}<extra></extra>")
    traces = []
    for k, z in enumerate((w, product)):
        limit = common.symmetric_range(z, 1.0)  # each panel its own ±limit: the product is much fainter
        xa, ya = panels.axis_ids(k)
        traces.append(dict(type="heatmap", z=z, customdata=data, hovertemplate=hover,
                           colorscale=panels.scale(common.DIVERGING), zmid=0, zmin=-limit, zmax=limit,
                           showscale=False, xaxis=xa, yaxis=ya))
    return panels.figure(traces, layout, height, showlegend=False)


def neuron_outputs(net: Network, neuron: int, height: int = 300, layer: int = 0) -> go.Figure:
    """One hidden neuron's outgoing weights: to the 10 digits' logits (the last hidden layer), else to every
    neuron of the next layer."""
    out = net.kernels[layer + 1][neuron]
    if layer + 1 == net.depth:
        bar = dict(type="bar", x=DIGITS, y=out, marker=dict(color=_signed_colours(out)),
                   text=[f"{v:+.2f}" for v in out], textposition="outside", cliponaxis=False,
                   hovertemplate=f"neuron {neuron} → digit %{{x}}: weight %{{y:.4f}}<extra></extra>")
        axis, title = dict(type="category", title=dict(text="digit")), f"Neuron {neuron}'s weights to each digit"
    else:
        above = f"layer {layer + 2}"
        bar = dict(type="bar", x=np.arange(out.size), y=out, marker=dict(color=_signed_colours(out)),
                   hovertemplate=f"neuron {neuron} → {above} neuron %{{x}}: weight %{{y:.4f}}<extra></extra>")
        axis, title = dict(title=dict(text=f"{above} neuron")), f"Neuron {neuron}'s weights to {above}"
    layout = dict(xaxis=axis, yaxis=dict(zeroline=True, zerolinecolor="#8892a6", title=dict(text="weight")))
    return panels.figure([bar], layout, height, title=title, showlegend=False)


def layer_kernel(net: Network, layer: int, height: int = 420) -> go.Figure:
    """A deeper hidden layer's raw kernel: one row per neuron of this layer, one column per neuron below."""
    kernel = net.kernels[layer]
    limit = common.symmetric_range(kernel)
    heat = dict(type="heatmap", z=kernel.T.astype(np.float32), colorscale=panels.scale(common.DIVERGING), zmid=0,
                zmin=-limit, zmax=limit, colorbar=dict(thickness=12, len=0.9, title=dict(text="weight")),
                hovertemplate=f"layer {layer} neuron %{{x}} → layer {layer + 1} neuron %{{y}}"
                              "<br>weight %{z:.4f}<extra></extra>")
    layout = dict(xaxis=dict(title=dict(text=f"layer {layer} neuron (input)"), showgrid=False),
                  yaxis=dict(title=dict(text=f"layer {layer + 1} neuron"), autorange="reversed", showgrid=False))
    return panels.figure([heat], layout, height, showlegend=False,
                         title=f"Layer {layer + 1}'s raw kernel: {kernel.shape[0]} × {kernel.shape[1]} weights")


def output_kernel(net: Network, height: int = 330) -> go.Figure:
    """The second Dense kernel (width × 10) as a heatmap, digits as rows, with the 10 output biases."""
    layout = panels.layout(panels.columns([0.82, 0.18], gap=0.06),
                           [f"Kernel ({net.kernels[-1].shape[0]} × 10)", "Biases"])  # short: they share a phone's width
    layout["yaxis"].update(autorange="reversed", type="category", title=dict(text="digit"))
    layout["yaxis2"].update(autorange="reversed", type="category")  # same 10 categories: rows line up
    layout["xaxis"].update(title=dict(text="hidden neuron"), showgrid=False)
    layout["xaxis2"].update(title=dict(text="bias"), zeroline=True, zerolinecolor="#8892a6", nticks=3)
    limit = common.symmetric_range(net.kernels[-1], 1.0)
    traces = [
        dict(type="heatmap", z=net.kernels[-1].T, y=DIGITS, colorscale=panels.scale(common.DIVERGING), zmid=0,
             zmin=-limit, zmax=limit, colorbar=dict(thickness=12, len=0.9, x=1.02),
             hovertemplate="neuron %{x} → digit %{y}<br>weight %{z:.4f}<extra></extra>"),
        dict(type="bar", y=DIGITS, x=net.biases[-1], orientation="h",
             marker=dict(color=_signed_colours(net.biases[-1])), xaxis="x2", yaxis="y2",
             hovertemplate="digit %{y}: bias %{x:.4f}<extra></extra>"),
    ]
    return panels.figure(traces, layout, height, showlegend=False)


def histograms(hists: list[anatomy.Histogram], height: int = 340) -> go.Figure:
    """Each tensor's weight distribution, one bar series per model, on shared bins."""
    layout = panels.layout(panels.columns([1] * len(hists), gap=0.06), [h.name for h in hists])
    traces = []
    for k, h in enumerate(hists):
        xa, ya = panels.axis_ids(k)
        layout["xaxis" + xa[1:]].update(title=dict(text="value"))
        centres, widths = (h.edges[:-1] + h.edges[1:]) / 2, np.diff(h.edges)
        bins = np.stack([h.edges[:-1], h.edges[1:]], -1)
        for (label, counts), colour in zip(h.counts.items(), MODEL_COLOURS, strict=False):
            traces.append(dict(type="bar", x=centres, y=counts, width=widths, name=label, marker=dict(color=colour),
                               opacity=0.65, legendgroup=label, showlegend=k == 0, customdata=bins, xaxis=xa, yaxis=ya,
                               hovertemplate=f"{label}<br>%{{y}} values in [%{{customdata[0]:.4f}}, "
                                             f"%{{customdata[1]:.4f}})<extra></extra>"))
    layout["yaxis"].update(title=dict(text="count"))
    return panels.figure(traces, layout, height, barmode="overlay", bargap=0,
                         legend=dict(orientation="h", y=1.12, yanchor="bottom", x=1, xanchor="right"))
