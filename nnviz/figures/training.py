"""Training results as figures: run overlays and their gaps, the confusion matrix, a digit gallery and a
compact first-layer weight mosaic. Arrays in, plotly figures out (the live views are in figures/live.py)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.figures import common
from nnviz.run_record import History

TRAIN_COLOUR, VAL_COLOUR = common.PALETTE["training"], common.PALETTE["validation"]
# Runs keep the colours of training and validation; each run has its own line style and marker instead,
# so that a colour never means a run (see common.PALETTE).
RUN_DASHES = ("solid", "dot", "dash", "longdash", "dashdot", "longdashdot")
RUN_MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "star")
MAX_POINTS = 600     # per trace: enough for a smooth curve, light enough to resend twice a second
METRICS = {"loss": ("loss", "loss", ".3f"), "accuracy": ("accuracy", "accuracy", ".1%")}
GAP = 2              # pixels between tiles in mosaics
CAPTION_ROOM = 12    # pixels under each gallery digit for its caption


def smooth(values: np.ndarray, window: float) -> np.ndarray:
    """Trailing moving average over about `window` steps, ignoring NaNs (vectorised: it runs twice a second)."""
    values = np.asarray(values, np.float64)
    w = max(1, int(round(window)))
    finite = np.isfinite(values)
    sums = np.concatenate([[0.0], np.cumsum(np.where(finite, values, 0.0))])
    counts = np.concatenate([[0], np.cumsum(finite)])
    start = np.maximum(np.arange(len(values)) + 1 - w, 0)
    n = counts[1:] - counts[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (sums[1:] - sums[start]) / np.maximum(n, 1), np.nan)


def thin(*arrays: np.ndarray, limit: int = MAX_POINTS) -> list[np.ndarray]:
    """Every k-th point (always keeping the last), so long runs stay cheap to draw."""
    n = len(arrays[0])
    if n <= limit:
        return [np.asarray(a) for a in arrays]
    keep = np.unique(np.append(np.linspace(0, n - 1, limit).astype(int), n - 1))
    return [np.asarray(a)[keep] for a in arrays]


EMPTY_LOSS_TOP = 2.6  # chance level is ln 10 ≈ 2.3: an untrained network starts just under the top


def _axes(fig: go.Figure, metric: str, bound: float | None) -> None:
    """Accuracy from `bound` to 100%; loss from 0 to `bound`. Without data (bound None), the axes a run
    will start on: accuracy 0–100%, loss 0 to just above chance, epochs 0–1 (never plotly's −1…1)."""
    title = METRICS[metric][1]
    if metric == "accuracy":
        fig.update_yaxes(title=title, tickformat=".0%", range=[0, 1.005] if bound is None else [bound, 1.005])
    else:
        fig.update_yaxes(title=title, rangemode="tozero", range=[0, EMPTY_LOSS_TOP if bound is None else bound])
    fig.update_xaxes(title="epoch", rangemode="tozero", **({"range": [0, 1]} if bound is None else {}))


def loss_top(*series: np.ndarray) -> float | None:
    """A loss axis that shows learning, not a single early spike (a diverged run still runs off the top)."""
    values = np.concatenate([np.asarray(s, np.float64) for s in series if len(s)] or [np.zeros(0)])
    values = values[np.isfinite(values)]
    return None if not len(values) else float(min(values.max(), EMPTY_LOSS_TOP)) * 1.05


def accuracy_bottom(*series: np.ndarray) -> float | None:
    values = np.concatenate([np.asarray(s, np.float64) for s in series if len(s)] or [np.zeros(0)])
    values = values[np.isfinite(values)]
    return None if not len(values) else float(max(0.0, min(values.min(), 0.9) - 0.02))


def spread(wanted: Sequence[float], gap: float, low: float = -np.inf, high: float = np.inf) -> np.ndarray:
    """Label positions at least `gap` apart, in the order of `wanted`, each as near its wanted place as the
    others allow: labels that would collide form a cluster centred on their wanted places (the usual 1-D
    label placement), and a cluster is kept within [low, high] where it fits."""
    wanted = np.asarray(wanted, np.float64)
    order = np.argsort(wanted, kind="stable")
    clusters: list[list[int]] = []  # runs of consecutive sorted labels, each placed as one block

    def bottom(c: list[int]) -> float:
        block = (len(c) - 1) * gap
        return float(np.clip(wanted[order[c]].mean() - block / 2, low, max(low, high - block)))

    for k in range(len(order)):
        clusters.append([k])
        while len(clusters) > 1 and bottom(clusters[-2]) + len(clusters[-2]) * gap > bottom(clusters[-1]):
            clusters[-2:] = [clusters[-2] + clusters[-1]]
    placed = np.empty(len(wanted))
    for c in clusters:
        placed[order[c]] = bottom(c) + gap * np.arange(len(c))
    return placed


LABEL_PX = 17        # an end label's height (12 px type) with a little room
PLOT_SHARE = 0.5     # the share of a chart's height its plot area keeps at least (a phone's legend is tall)


TRAINING_NAME = "training digits"
SUBSET_NAME = "validation subset"
FULL_NAME = "all validation digits, per epoch"


def overlay(runs: Sequence[tuple[str, History]], metric: str = "accuracy", height: int = 420) -> go.Figure:
    """Several runs on one chart, in the live chart's colours (light blue training, orange validation);
    each run has its own line style, marker and end label. The space between a run's two lines is
    its overfitting gap."""
    key, label, fmt = METRICS[metric]
    fig = go.Figure()
    everything, ends = [], []
    for i, (name, h) in enumerate(runs):
        dash, symbol = RUN_DASHES[i % len(RUN_DASHES)], RUN_MARKERS[i % len(RUN_MARKERS)]
        smoothed = smooth(getattr(h, key), max(h.steps_per_epoch / 8, 10))
        x, y = thin(h.epochs(h.step), smoothed)
        hover = f"{name}<br>%{{meta}} {label} %{{y:{fmt}}} at epoch %{{x:.2f}}<extra></extra>"
        fig.add_trace(go.Scatter(x=x, y=y, name=f"{name}: training", legendgroup=name, meta="training",
                                 mode="lines", line=dict(color=TRAIN_COLOUR, width=2.5, dash=dash),
                                 hovertemplate=hover))
        val, val_x = getattr(h, f"val_{key}"), h.epochs(h.val_step)
        fig.add_trace(go.Scatter(x=val_x, y=val, name=f"{name}: validation", legendgroup=name,
                                 meta="validation subset", mode="lines+markers", marker=dict(size=7, symbol=symbol),
                                 line=dict(color=VAL_COLOUR, width=2.5, dash=dash), hovertemplate=hover))
        ends += [(xs[-1], ys[-1], name) for xs, ys in ((x, y), (val_x, val)) if len(xs) and np.isfinite(ys[-1])]
        after_first_epoch = h.epochs(h.val_step) >= 1  # zoom on where runs differ, not the first climb
        everything += [y[x >= 1], val[after_first_epoch]] if after_first_epoch.any() else [y, val]
    top = loss_top(*everything) if metric == "loss" else accuracy_bottom(*everything)
    _axes(fig, metric, top)
    _end_labels(fig, ends, height)
    # Two short lines: on one line the title was cut off on a 390 px phone ("…, orange = valic").
    title = f"{label.capitalize()}: light blue = training digits,<br>orange = validation digits"
    common.style(fig, height, title=title, hovermode="closest", legend=dict(font=dict(size=13)))
    return fig.update_layout(margin=dict(r=60, t=58))  # room for the title and the run names at the lines' ends


def _end_labels(fig: go.Figure, ends: Sequence[tuple[float, float, str]], height: int) -> None:
    """Each run's name at the end of each of its lines, moved apart where lines end close together (two
    runs' training curves both end near 100%: their names were drawn over each other). A short grey
    line joins a moved name to its line's end."""
    if not ends:
        return
    low, high = fig.layout.yaxis.range
    gap = LABEL_PX * (high - low) / (height * PLOT_SHARE)
    for (x, y, name), at in zip(ends, spread([y for _, y, _ in ends], gap, low, high), strict=True):
        fig.add_annotation(x=x, y=y, ax=14, ay=at, ayref="y", text=name, xanchor="left", yanchor="middle",
                           showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor=common.PALETTE["neutral"],
                           standoff=2, font=dict(size=12))


def gaps(runs: Sequence[tuple[str, float, float]], height: int = 260) -> go.Figure:
    """Each run's overfitting gap: training accuracy minus validation accuracy, in points, as a bar
    labelled with both numbers. runs: (name, training accuracy, validation accuracy)."""
    names = [name for name, _, _ in runs]
    if len(set(names)) < len(names):  # one bar each, even for two runs of the same name (two sessions' "Run 1")
        names = [f"{name} ({i + 1})" for i, name in enumerate(names)]
    measured = [np.isfinite(t) and np.isfinite(v) for _, t, v in runs]
    gap = [(t - v) * 100 if ok else 0.0 for (_, t, v), ok in zip(runs, measured, strict=True)]
    text = [f"{g:+.1f} points ({t:.0%} − {v:.0%})" if ok else "no full epoch yet"
            for g, (_, t, v), ok in zip(gap, runs, measured, strict=True)]
    fig = go.Figure(go.Bar(x=gap, y=names, orientation="h", text=text, textposition="outside",
                           marker_color=common.PALETTE["neutral"], cliponaxis=False,
                           customdata=[[t, v] for _, t, v in runs],
                           hovertemplate="%{y}<br>training %{customdata[0]:.1%} − validation %{customdata[1]:.1%}"
                                         " = %{x:+.1f} points<extra></extra>"))
    fig.update_xaxes(title="training − validation accuracy (percentage points)", zeroline=True,
                     range=[min(0.0, *gap) - 1, max(5.0, *gap) * 1.9])  # room for the labels outside the bars
    fig.update_yaxes(autorange="reversed", type="category")
    return common.style(fig, height, title="The overfitting gap: how much better it does on its own training digits")


def digit_colour(d: int, leader: int | None, label: int | None) -> str:
    """A probe line's colour: the true digit green; the network's current answer yellow when it is wrong
    (white when the true digit is unknown, as for a drawing); the rest grey."""
    if d == label:
        return common.PALETTE["true"]
    if d == leader:
        return common.PALETTE["focus" if label is None else "wrong"]
    return common.PALETTE["neutral"]


def confusion(matrix: np.ndarray, height: int = 440) -> go.Figure:
    """10×10 counts, true digit down, predicted digit across. Correct answers sit on the diagonal (grey);
    mistakes are yellow (the colour of a wrong answer), brighter the more there are. Each cell is a
    clickable point; the clicked cell gets an outline from plotly's own selection style, so the figure
    itself never changes on a click (a changed figure would reset the chart and lose the click)."""
    matrix = np.asarray(matrix)
    totals = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    off = matrix * (1 - np.eye(10, dtype=matrix.dtype))
    # Colour: −1 for the diagonal (its own neutral colour), 0…1 for mistakes relative to the worst cell.
    z = np.where(np.eye(10, dtype=bool), -1.0, off / max(off.max(), 1))
    rows, cols = np.indices(matrix.shape)
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(10)), y=list(range(10)), zmin=-1, zmax=1, showscale=False, hoverinfo="skip", xgap=GAP,
        ygap=GAP, colorscale=[[0, "#3b4252"], [0.4999, "#3b4252"], [0.5, "#262730"], [0.52, "#4a4620"],
                              [1, common.PALETTE["wrong"]]],
        text=matrix, texttemplate="%{text}", textfont=dict(size=14)))
    share = matrix / totals
    fig.add_trace(go.Scatter(
        x=cols.ravel(), y=rows.ravel(), mode="markers", showlegend=False,
        marker=dict(size=28, opacity=0, symbol="square-open", color="white", line=dict(width=3)),
        selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=0)),
        customdata=np.stack([matrix.ravel(), share.ravel()], -1),
        hovertemplate="true %{y}, predicted %{x}: %{customdata[0]} digits (%{customdata[1]:.1%} of the %{y}s)"
                      "<extra></extra>"))
    # Explicit ranges: the invisible click markers would otherwise pad the axes and shrink the matrix.
    fig.update_xaxes(title="predicted digit", tickmode="array", tickvals=list(range(10)), side="top",
                     range=[-0.5, 9.5], showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(title="true digit", tickmode="array", tickvals=list(range(10)), range=[9.5, -0.5],
                     showgrid=False, zeroline=False, scaleanchor="x", constrain="domain")
    return common.style(fig, height, clickmode="event+select", dragmode=False)


def _mosaic(tiles: np.ndarray, cols: int, vgap: int = GAP) -> tuple[np.ndarray, np.ndarray, int]:
    """(n, h, w) tiles → one image with NaN gaps, each pixel's tile number, and the number of rows."""
    n = len(tiles)
    image = common.pack_tiles(np.asarray(tiles, np.float32), cols, GAP, vgap=vgap)
    owner = common.pack_tiles(np.broadcast_to(np.arange(n, dtype=np.int32)[:, None, None], tiles.shape), cols, GAP,
                              fill=np.int32(-1), vgap=vgap)
    return image, owner, max(1, -(-n // cols))


def weight_tiles(w1: np.ndarray, units: int = 18, cols: int = 6, height: int = 300) -> go.Figure:
    """The first `units` hidden neurons' incoming weights as 28×28 tiles (red +, blue −), each scaled
    to its own largest weight so that faint early patterns show. Hover gives the neuron and exact weight.
    Kept small on purpose: it is resent while training."""
    count = min(units, w1.shape[1])
    raw = np.asarray(w1[:, :count], np.float32).T.reshape(count, 28, 28)
    scale = np.maximum(np.abs(raw).max(axis=(1, 2), keepdims=True), 1e-12)
    image, owner, _ = _mosaic(raw / scale, cols)
    weights, _, _ = _mosaic(raw, cols)
    data = np.stack([owner, np.nan_to_num(weights)], -1).astype(np.float32)  # float32: plotly sends 4 bytes each
    fig = go.Figure(go.Heatmap(
        z=image, customdata=data, colorscale=common.DIVERGING, zmid=0, zmin=-1,
        zmax=1, showscale=False, hoverongaps=False,
        hovertemplate="neuron %{customdata[0]:.0f}<br>weight %{customdata[1]:.5f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", visible=False)
    fig.update_xaxes(visible=False, constrain="domain")
    return common.style(fig, height, title=f"First-layer weights, neurons 0–{count - 1}")


def gallery(images: np.ndarray, captions: Sequence[str], hovers: Sequence[str], cols: int = 10,
            height: int | None = None) -> go.Figure:
    """Digits in a grid, one caption under each; every digit is a clickable point."""
    images = np.asarray(images, np.float32).reshape(-1, 28, 28)
    n, pitch = len(images), 28 + CAPTION_ROOM
    mosaic, _, rows = _mosaic(images if n else np.zeros((1, 28, 28), np.float32), cols, vgap=CAPTION_ROOM)
    fig = go.Figure(go.Heatmap(z=mosaic, colorscale=common.INK, zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    ys, xs = (np.arange(n) // cols) * pitch + 13.5, (np.arange(n) % cols) * (28 + GAP) + 13.5
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", marker=dict(size=36, opacity=0, symbol="square"),
                             selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
                             customdata=np.arange(n), text=list(hovers), hovertemplate="%{text}<extra></extra>",
                             showlegend=False))
    fig.add_trace(go.Scatter(x=xs, y=ys + 14 + CAPTION_ROOM / 2, mode="text", text=list(captions),
                             textfont=dict(size=14), hoverinfo="skip", showlegend=False))
    fig.update_yaxes(autorange=False, range=[rows * pitch, -1], scaleanchor="x", visible=False)
    fig.update_xaxes(visible=False, range=[-1, cols * (28 + GAP) - GAP + 1], constrain="domain")
    return common.style(fig, height or 40 + 110 * rows, clickmode="event+select", dragmode=False)
