"""Layers figures: one digit flowing through every layer, the neurons that fired, dropout, edges and contributions."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from nnviz import anatomy
from nnviz.figures import common, panels
from nnviz.network import Network

ACTIVE = "Viridis"    # hidden outputs > 0: dark purple (small) to yellow (large)
SILENT = "#9aa0ab"    # exactly 0: flat grey, unmistakable against Viridis
DROPPED = common.PALETTE["dropped"]  # zeroed by a training-mode dropout mask
POSITIVE, NEGATIVE = common.PALETTE["positive"], common.PALETTE["negative"]  # push up, push down (as DIVERGING)
DIGITS = [str(d) for d in range(10)]


def _name(activation: str) -> str:
    return "ReLU" if activation == "relu" else activation


def _constant(mask: np.ndarray) -> np.ndarray:
    """A (n, 1) column that is 1 where mask holds and NaN (a gap) elsewhere: one flat colour."""
    return np.where(mask, 1.0, np.nan)[:, None]


def _hidden_column(values, z, axes, zmax, dropped=None) -> list[dict]:
    """A vertical strip of hidden units: active ones on Viridis, silent (0) grey, dropped purple."""
    xa, ya = axes
    units = np.arange(values.size)
    silent = values == 0 if dropped is None else (values == 0) & ~dropped
    data = np.stack([units, z, values], axis=-1)[:, None]  # customdata: unit, pre-activation, output
    negative = values.min() < 0  # tanh can go below 0: then a diverging scale, centred on 0
    traces = [dict(
        type="heatmap", z=np.where(silent if dropped is None else silent | dropped, np.nan, values)[:, None],
        customdata=data, colorscale=panels.scale(common.DIVERGING if negative else ACTIVE),
        zmin=-zmax if negative else 0, zmax=zmax, showscale=False, hoverongaps=False, xaxis=xa, yaxis=ya,
        hovertemplate="neuron %{customdata[0]}<br>z = w·x + b = %{customdata[1]:.4f}"
                      "<br>output %{customdata[2]:.4f}<extra></extra>"),
        dict(
        type="heatmap", z=_constant(silent), customdata=data, colorscale=[[0, SILENT], [1, SILENT]], showscale=False,
        hoverongaps=False, xaxis=xa, yaxis=ya,
        hovertemplate="neuron %{customdata[0]}<br>z = %{customdata[1]:.4f} ≤ 0<br>output 0: silent<extra></extra>")]
    if dropped is not None:
        traces.append(dict(
            type="heatmap", z=_constant(dropped), customdata=data, colorscale=[[0, DROPPED], [1, DROPPED]],
            showscale=False, hoverongaps=False, xaxis=xa, yaxis=ya,
            hovertemplate="neuron %{customdata[0]}<br>dropped: output set to 0<extra></extra>"))
    return traces


def _hidden_columns(view: anatomy.LayerView, activation: str) -> list[tuple[str, np.ndarray, np.ndarray, object]]:
    """(title, values, z, dropped units) of each hidden column. One hidden layer: its output, then dropout's
    column beside it, as the model's layers are. Deeper: one column per layer, after its dropout (dropped
    units purple), so four layers still fit."""
    acts = view.acts
    masks = view.masks or (None,) * len(acts.hiddens)
    if len(acts.hiddens) == 1:
        # Short words a line: a phone gives each of these columns about 35 px.
        dropout_title = "Dropout<br>training<br>mask" if view.training else "Dropout<br>inference:<br>all pass"
        return [(f"Hidden<br>{view.sparsity.width}<br>{_name(activation)}", acts.hiddens[0], acts.zs[0], None),
                (dropout_title, acts.drops[0], acts.zs[0], None if view.mask is None else view.mask == 0)]
    return [(f"Layer {i}<br>{s.width}<br>{s.active} on", drops, z,
             None if mask is None else mask == 0)
            for i, (s, drops, z, mask) in enumerate(zip(view.sparsities, acts.drops, acts.zs, masks, strict=False), 1)]


def flow(view: anatomy.LayerView, activation: str = "relu", height: int = 560) -> go.Figure:
    """Input → each hidden layer (and dropout) → logits → probabilities, left to right, for one digit."""
    acts = view.acts
    hidden = _hidden_columns(view, activation)
    layout = panels.layout(panels.columns([0.1] * (1 + len(hidden)) + [0.35, 0.35]), [
        "Input<br>784<br>values", *(title for title, *_ in hidden), "Logits<br>raw scores",
        "Softmax<br>probabilities"])
    for title in layout["annotations"][:1 + len(hidden)]:  # narrow columns side by side: smaller titles fit a phone
        title["font"] = dict(size=11)
    rows, cols = anatomy.pixel_of(np.arange(anatomy.PIXELS))
    traces = [dict(
        type="heatmap", z=acts.inputs[:, None],
        customdata=np.stack([np.arange(anatomy.PIXELS), rows, cols], -1)[:, None],
        colorscale=panels.scale(common.INK), zmin=0, zmax=1, showscale=False,
        hovertemplate="input %{customdata[0]} (row %{customdata[1]}, col %{customdata[2]})"
                      "<br>value %{z:.4f}<extra></extra>")]
    for k, (_, values, z, dropped) in enumerate(hidden, 1):
        layer = min(k, len(acts.hiddens)) - 1  # one hidden layer has two columns, both its own
        zmax = common.symmetric_range([acts.hiddens[layer], acts.drops[layer]], 1.0)
        traces += _hidden_column(values, z, panels.axis_ids(k), zmax, dropped=dropped)
    predicted = acts.prediction
    x_logits, x_probs = panels.axis_ids(len(hidden) + 1)[0], panels.axis_ids(len(hidden) + 2)[0]
    traces.append(dict(
        type="bar", y=DIGITS, x=acts.logits, orientation="h", xaxis=x_logits, yaxis="y" + x_logits[1:],
        marker=dict(color=[POSITIVE if v >= 0 else NEGATIVE for v in acts.logits],
                    line=dict(color=["white" if d == predicted else "rgba(0,0,0,0)" for d in range(10)], width=2)),
        text=[f"{v:.2f}" for v in acts.logits], textposition="outside", cliponaxis=False, textfont=dict(size=11),
        hovertemplate="digit %{y}: logit %{x:.4f}<extra></extra>"))
    traces.append(dict(
        type="bar", y=DIGITS, x=acts.probs, orientation="h", xaxis=x_probs, yaxis="y" + x_probs[1:],
        marker=dict(color=[common.PALETTE["focus"] if d == predicted else common.PALETTE["neutral"]
                           for d in range(10)]),
        text=[f"{p:.0%}" if p >= 0.005 else "" for p in acts.probs], textposition="outside", cliponaxis=False,
        hovertemplate="digit %{y}: probability %{x:.4f}<extra></extra>"))
    for k in range(len(hidden) + 1):
        suffix = panels.axis_ids(k)[0][1:]
        layout["xaxis" + suffix].update(visible=False)
        layout["yaxis" + suffix].update(autorange="reversed", showgrid=False, zeroline=False, tickfont=dict(size=11),
                                        # deeper, unit numbers would crowd the narrow columns: hover names them
                                        showticklabels=k == 0 or len(view.sparsities) == 1)
    lo, hi = float(min(acts.logits.min(), 0)), float(max(acts.logits.max(), 0))
    pad = 0.5 * (hi - lo or 1)  # room for the value labels beside the bars, clear of the digit labels (phones)
    layout["xaxis" + x_logits[1:]].update(range=[lo - pad, hi + pad], zeroline=True, zerolinecolor="#8892a6")
    layout["xaxis" + x_probs[1:]].update(range=[0, 1.2], tickformat=".0%")
    for axis in (x_logits, x_probs):
        layout["yaxis" + axis[1:]].update(autorange="reversed", type="category")
    return panels.figure(traces, layout, height, showlegend=False, margin=dict(t=78))  # room for 3-line titles


def ranking(view: anatomy.LayerView, activation: str = "relu", height: int = 300) -> go.Figure:
    """Every hidden unit's output, largest first: the few that fired hard, then the silent zeros."""
    hidden = view.inference.hiddens[0]
    order = anatomy.top_neurons(hidden, hidden.size)
    values = hidden[order]
    layout = dict(xaxis=dict(title=dict(text="hidden neurons, sorted by output"), showgrid=False,
                             range=[-1, values.size]),
                  yaxis=dict(title=dict(text=f"{_name(activation)} output")))
    silent = view.sparsity.silent
    if silent:  # one shaded band over the zeros, with its count
        x0, x1 = values.size - silent - 0.5, values.size - 0.5
        layout["shapes"] = [dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1,
                                 fillcolor=SILENT, opacity=0.25, line=dict(width=0))]
        layout["annotations"] = [dict(x=x0, y=1, xref="x", yref="paper", xanchor="left", yanchor="top",
                                      showarrow=False, text=f"{silent} silent (exactly 0)")]
    bars = dict(type="bar", x=np.arange(values.size), y=values, customdata=order,
                marker=dict(color=values, colorscale=panels.scale(ACTIVE)),
                hovertemplate="rank %{x}: neuron %{customdata}<br>output %{y:.4f}<extra></extra>")
    # Short enough for a phone's 390 px (the longer title was cut off there); hovering a bar names its neuron.
    return panels.figure([bars], layout, height, title="Every neuron's output, largest first")


def dropout_effect(view: anatomy.LayerView, height: int = 300) -> go.Figure:
    """Probabilities at inference versus with this one sampled training-mode mask."""
    traces = [
        dict(type="bar", x=DIGITS, y=view.inference.probs, name="inference (dropout off)",
             marker=dict(color=common.PALETTE["neutral"]),
             hovertemplate="digit %{x}: %{y:.4f} at inference<extra></extra>"),
        dict(type="bar", x=DIGITS, y=view.acts.probs, name="with this mask", marker=dict(color=DROPPED),
             hovertemplate="digit %{x}: %{y:.4f} with the mask<extra></extra>"),
    ]
    layout = dict(yaxis=dict(range=[0, 1.05], tickformat=".0%", title=dict(text="probability")),
                  xaxis=dict(type="category", title=dict(text="digit")))
    return panels.figure(traces, layout, height, barmode="group", title="How one dropout mask changes the answer",
                         legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"))


def _edge_traces(x0, y0, x1, y1, contribution, scale) -> list[dict]:
    """Edges as a few line traces (one per sign × thickness bin): hundreds of edges, at most 8 traces."""
    traces = []
    bins = np.digitize(np.abs(contribution) / scale, [0.25, 0.5, 0.75])
    for sign, colour in ((1, POSITIVE), (-1, NEGATIVE)):
        for b, width in enumerate((0.7, 1.5, 2.6, 4.0)):
            pick = (np.sign(contribution) == sign) & (bins == b)
            if not pick.any():
                continue
            gaps = np.full(pick.sum(), np.nan)  # NaN between segments: one trace draws many lines
            traces.append(dict(type="scatter", x=np.stack([x0[pick], x1[pick], gaps], 1).ravel(),
                               y=np.stack([y0[pick], y1[pick], gaps], 1).ravel(), mode="lines",
                               hoverinfo="skip", showlegend=False, line=dict(color=colour, width=width),
                               opacity=0.35 + 0.15 * b))
    return traces


def _hover_points(x, y, text) -> dict:
    """Invisible markers at edge midpoints, so every drawn edge shows its exact numbers on hover."""
    return dict(type="scatter", x=x, y=y, text=text, mode="markers", marker=dict(size=8, opacity=0),
                hovertemplate="%{text}<extra></extra>", showlegend=False)


def node_link(net: Network, acts, links: anatomy.NodeLink, height: int = 540) -> go.Figure:
    """The whole network for this digit: pixels → the most influential units of each hidden layer → 10 digits.

    Edge colour is the sign of weight × activation, thickness its size; only the strongest are drawn.
    """
    depth = len(links.units)
    image_w, step = 2.2, 1.0 if depth == 1 else 0.6  # deeper: columns closer, so four layers fit a phone's width
    x_layers = [(3.4 if depth == 1 else 3.2) + step * i for i in range(depth)]
    x_out = x_layers[-1] + step
    slots = [{int(u): 1 - (k + 0.5) / len(shown) for k, u in enumerate(shown)} for shown in links.units]
    y_digit = 1 - (np.arange(10) + 0.5) / 10
    rows, cols = anatomy.pixel_of(np.arange(anatomy.PIXELS))
    pixel_x, pixel_y = (cols + 0.5) / anatomy.SIDE * image_w, 1 - (rows + 0.5) / anatomy.SIDE
    named = (lambda i, j: f"neuron {j}") if depth == 1 else (lambda i, j: f"layer {i + 1} neuron {j}")

    traces = [dict(
        type="heatmap", z=acts.inputs.reshape(anatomy.SIDE, anatomy.SIDE)[::-1], x0=0.5 / anatomy.SIDE * image_w,
        dx=image_w / anatomy.SIDE, y0=0.5 / anatomy.SIDE, dy=1 / anatomy.SIDE, colorscale=panels.scale(common.INK),
        zmin=0, zmax=1, showscale=False, hovertemplate="pixel value %{z:.3f}<extra></extra>")]
    hovers = []
    for gap, e in enumerate(links.edges):  # gap 0: pixels → layer 1; the last: last layer → digits
        if gap == 0:
            x0, y0 = pixel_x[e.src], pixel_y[e.src]
            text = [f"pixel {i} (row {i // 28}, col {i % 28}) → {named(0, j)}<br>weight {w:.4f} × input "
                    f"{acts.inputs[i]:.3f} = {c:.4f}" for i, j, w, c in zip(e.src, e.dst, e.weight, e.contribution,
                                                                           strict=True)]
        else:
            x0, y0 = np.full(e.src.size, x_layers[gap - 1]), np.array([slots[gap - 1][int(u)] for u in e.src])
            text = [f"{named(gap - 1, j)} → {named(gap, k) if gap < depth else f'digit {k}'}<br>weight {w:.4f} × "
                    f"output {acts.drops[gap - 1][j]:.3f} = {c:.4f}"
                    for j, k, w, c in zip(e.src, e.dst, e.weight, e.contribution, strict=True)]
        if gap < depth:
            x1, y1 = np.full(e.dst.size, x_layers[gap]), np.array([slots[gap][int(u)] for u in e.dst])
        else:
            x1, y1 = np.full(e.dst.size, x_out), y_digit[e.dst]
        scale = float(np.abs(e.contribution).max()) if e.src.size else 1.0
        traces += _edge_traces(x0, y0, x1, y1, e.contribution, scale)
        hovers.append(_hover_points((x0 + x1) / 2, (y0 + y1) / 2, text))
    traces += hovers
    for i, shown in enumerate(links.units):
        h, z, b = acts.hiddens[i][shown], acts.zs[i][shown], net.biases[i][shown]
        traces.append(dict(
            type="scatter", x=np.full(shown.size, x_layers[i]), y=[slots[i][int(u)] for u in shown],
            mode="markers", showlegend=False,
            marker=dict(size=13 if depth == 1 else 10, color=h, colorscale=panels.scale(ACTIVE), cmin=0,
                                          cmax=float(max(h.max(initial=0), 1e-6)), line=dict(color="white", width=1)),
            customdata=np.stack([shown, z - b, b, z, h, acts.drops[i][shown]], -1),
            hovertemplate=("neuron" if depth == 1 else f"layer {i + 1} neuron") + " %{customdata[0]}"
                          "<br>weighted input w·" + ("x" if i == 0 else "a") + " = %{customdata[1]:.4f}"
                          "<br>bias b = %{customdata[2]:.4f}<br>z = w·x + b = %{customdata[3]:.4f}"
                          "<br>output = %{customdata[4]:.4f}<br>after dropout = %{customdata[5]:.4f}<extra></extra>"))
    predicted = acts.prediction
    traces.append(dict(
        type="scatter", x=np.full(10, x_out), y=y_digit, mode="markers+text", text=DIGITS,
        textposition="middle right", textfont=dict(size=16), customdata=np.stack([acts.logits, acts.probs], -1),
        showlegend=False,
        marker=dict(size=22 if depth == 1 else 16, color=acts.probs, colorscale=panels.scale("Reds"), cmin=0, cmax=1,
                    line=dict(color=[common.PALETTE["focus" if d == predicted else "neutral"] for d in range(10)],
                              width=2)),
        hovertemplate="digit %{text}<br>logit %{customdata[0]:.4f}<br>probability %{customdata[1]:.4f}"
                      "<extra></extra>"))
    if depth == 1:
        shown = f"{links.units[0].size} of {net.widths[0]}<br>hidden neurons"  # two lines: clear of "digits" on a phone
        labels = [(image_w / 2, "input pixels"), (x_layers[0], shown),
                  (x_out, "digits")]
    else:
        labels = [(image_w / 2, "input pixels"), (x_out, "digits")] + [(x, f"layer {i}") for i, x in
                                                                        enumerate(x_layers, 1)]
    layout = dict(
        annotations=[dict(x=x, y=1.02, text=text, showarrow=False, yanchor="bottom", font=dict(size=14 if depth == 1
                                                                                               else 12))
                     for x, text in labels],
        # Room right of the digit markers for their labels, also on a phone (0.25 cut them off at 390 px).
        xaxis=dict(visible=False, range=[-0.05, x_out + 0.45], constrain="domain"),
        # One y unit drawn as long as image_w x units: the digit's pixels stay square at any width.
        yaxis=dict(visible=False, range=[-0.02, 1.08], scaleanchor="x", scaleratio=image_w),
        hovermode="closest")
    # A short title: the colours are explained under the figure (anatomy.node_link_caption), and a phone has room
    # for about 45 characters.
    return panels.figure(traces, layout, height, title="The strongest connections for this digit")


def contribution(image: np.ndarray, contrib: anatomy.Contribution, height: int = 360) -> go.Figure:
    """The digit, the class's effective weights, and their product: which pixels pushed toward the class."""
    d = contrib.digit
    # Titles short enough for three side by side on a phone (longer ones overlapped at 390 px); the caption says
    # what the colours mean.
    layout = panels.layout(panels.columns([1, 1, 1], gap=0.04, right=0.93), [
        "Your digit (x)", f"Weights for {d}", f"x × weight, {d}"], images=(0, 1, 2))
    rows, cols = np.indices(image.shape)
    data = np.stack([rows, cols, rows * anatomy.SIDE + cols, image, contrib.effective_weights, contrib.pixels], -1)
    hover = ("row %{customdata[0]}, col %{customdata[1]} (input %{customdata[2]})<br>x = %{customdata[3]:.3f}"
             "<br>effective weight %{customdata[4]:.4f}<br>contribution %{customdata[5]:.4f}<extra></extra>")
    m_w = common.symmetric_range(contrib.effective_weights, 1.0)
    m_c = common.symmetric_range(contrib.pixels, 1.0)
    ink, diverging = panels.scale(common.INK), panels.scale(common.DIVERGING)
    traces = [
        dict(type="heatmap", z=image, colorscale=ink, zmin=0, zmax=1, showscale=False, customdata=data,
             hovertemplate=hover),
        dict(type="heatmap", z=contrib.effective_weights, colorscale=diverging, zmid=0, zmin=-m_w, zmax=m_w,
             showscale=False, customdata=data, hovertemplate=hover, xaxis="x2", yaxis="y2"),
        dict(type="heatmap", z=contrib.pixels, colorscale=diverging, zmid=0, zmin=-m_c, zmax=m_c, customdata=data,
             hovertemplate=hover, colorbar=dict(thickness=12, len=0.9, x=0.95), xaxis="x3", yaxis="y3"),
    ]
    return panels.figure(traces, layout, height)

