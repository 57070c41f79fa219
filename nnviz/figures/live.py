"""The Train page's live pictures, cheap to resend and never blank: Vega-Lite specs that stay the same while
training (the browser swaps their data in place), their data as Arrow tables, the weight tiles as one inline
image; and the rate metric's short form.

A plotly chart in Streamlit is keyed by its whole figure, so each refresh replaced it and it stayed hidden
until laid out again (issue 12's blank frames); and validating plotly figures cost 40–65 ms a refresh.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.colors
import pyarrow as pa
from PIL import Image

from nnviz.figures import common
from nnviz.figures.training import (
    EMPTY_LOSS_TOP,
    FULL_NAME,
    METRICS,
    SUBSET_NAME,
    TRAINING_NAME,
    accuracy_bottom,
    digit_colour,
    loss_top,
    smooth,
    thin,
)
from nnviz.run_record import History

RAW_NAME = "training, each batch"
TRAIN_COLOUR, VAL_COLOUR, GREY = common.PALETTE["training"], common.PALETTE["validation"], common.PALETTE["neutral"]
CURVE_HEIGHT, PROBE_HEIGHT, CHANGE_HEIGHT = 340, 300, 250  # all in: title, legend, axes
# Two lines: in one, the note ran past a tablet's narrow chart ("…the curves start he").
EMPTY_NOTE = "Press Train or Step:\nthe curves start here."
NOTE_MARK = {"type": "text", "fontSize": 14, "color": GREY, "lineBreak": "\n"}


def rate(samples_per_s: float) -> str:
    """The Samples/s metric, short enough for a tablet's metric column (13,000 showed as "13,…" there)."""
    if not samples_per_s:
        return "–"
    return f"{samples_per_s / 1000:.1f}k" if samples_per_s >= 10_000 else f"{samples_per_s:,.0f}"


def _tooltip(value: str, fmt: str, *extra: dict) -> list[dict]:
    return [*extra, {"field": "epoch", "type": "quantitative", "format": ".2f"},
            {"field": "step", "type": "quantitative", "format": ","},
            {"field": value, "type": "quantitative", "format": fmt}]


def _layer(series: str | list[str], mark: dict, **encoding) -> dict:
    names = [series] if isinstance(series, str) else series
    return {"transform": [{"filter": {"field": "series", "oneOf": names}}], "mark": mark, "encoding": encoding}


def curves_spec(metric: str) -> dict:
    """Training (each batch, and smoothed) and validation (the subset, and all digits per epoch) over
    epochs. The same for every refresh of a metric: only the data changes. Hover gives each value."""
    _, label, fmt = METRICS[metric]
    x = {"field": "epoch", "type": "quantitative", "title": "epoch", "scale": {"nice": False}}
    y = {"field": "shown", "type": "quantitative", "title": label, "scale": {"zero": False, "nice": False},
         "axis": {"format": ".0%"} if metric == "accuracy" else {}}
    colour = {"field": "series", "type": "nominal", "title": None,
              "scale": {"domain": [TRAINING_NAME, SUBSET_NAME, FULL_NAME],
                        "range": [TRAIN_COLOUR, VAL_COLOUR, VAL_COLOUR]},
              "legend": {"orient": "top", "direction": "horizontal", "columns": 1, "labelFontSize": 13,
                         "labelLimit": 260}}  # one entry a row: side by side, they ran off a tablet's chart
    hover = _tooltip("value", fmt, {"field": "series", "type": "nominal", "title": "curve"})
    return {
        "height": CURVE_HEIGHT,
        "encoding": {"x": x, "y": y},
        "layer": [
            _layer("frame", {"type": "point", "opacity": 0}),  # the axes' ends (chance level, 100%, epoch 1…)
            _layer(RAW_NAME, {"type": "line", "color": TRAIN_COLOUR, "strokeWidth": 1, "opacity": 0.35}),
            _layer(TRAINING_NAME, {"type": "line", "strokeWidth": 3}, color=colour),
            _layer(SUBSET_NAME, {"type": "line", "strokeWidth": 3, "point": {"size": 40, "filled": True}},
                   color=colour),
            _layer(FULL_NAME, {"type": "point", "shape": "diamond", "size": 130, "filled": True, "stroke": "white",
                               "strokeWidth": 1}, color=colour),
            _layer([RAW_NAME, TRAINING_NAME, SUBSET_NAME, FULL_NAME],  # invisible targets for the hover
                   {"type": "point", "opacity": 0, "size": 90}, tooltip=hover),
            _layer("note", NOTE_MARK, text={"field": "note"}),
        ],
    }


def codes(names: list[str], index: np.ndarray) -> pa.DictionaryArray:
    """A text column as an Arrow dictionary: one byte a row, and each distinct text once (the browser reads
    the texts). As plain strings, the probe's 6,000 rows of role, digit, label and note names were most of
    the 367 kB it resent each second."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(index, np.int8)), pa.array(names, pa.string()))


def _column(values, rows: int) -> pa.Array:
    """A chart column, small on the wire: texts as a dictionary (codes), numbers in 32 bits (a chart's
    hover shows at most 4 significant digits; float32 keeps 7)."""
    if isinstance(values, pa.Array):
        return values
    if isinstance(values, str):
        return codes([values], np.zeros(rows))
    values = np.broadcast_to(np.asarray(values), (rows,))
    if values.dtype.kind in "OUS":
        names, index = np.unique(values.astype(str), return_inverse=True)
        return codes(names.tolist(), index)
    if values.dtype.kind == "f":
        return pa.array(values.astype(np.float32))
    return pa.array(values.astype(np.int32) if values.dtype.kind in "iu" else values)


def _table(**columns) -> pa.Table:
    """An Arrow table from columns (arrays, lists of arrays to join, Arrow arrays, or one value for every row).
    Arrow, not pandas: Streamlit sends a chart's data as Arrow, and converting a DataFrame cost ~15× more."""
    joined = {name: np.concatenate([np.asarray(p) for p in parts]) if isinstance(parts, list) else parts
              for name, parts in columns.items()}
    rows = max(len(v) for v in joined.values() if isinstance(v, np.ndarray | pa.Array))
    return pa.table({name: _column(v, rows) for name, v in joined.items()})


def curves_data(history: History, metric: str) -> pa.Table:
    """The curves' table: one row per point, `shown` clipped to the axis (a spike runs off its top,
    as before) while `value` keeps the exact number for the hover."""
    key = METRICS[metric][0]
    train = getattr(history, key)
    smoothed = smooth(train, max(history.steps_per_epoch / 8, 10))
    x, raw, smoothed, steps = thin(history.epochs(history.step), train, smoothed, history.step)
    val, full = getattr(history, f"val_{key}"), getattr(history, f"epoch_val_{key}")
    bound = loss_top(smoothed, val) if metric == "loss" else accuracy_bottom(smoothed, val)
    low, high = ((0.0, EMPTY_LOSS_TOP if bound is None else bound) if metric == "loss" else
                 (0.0 if bound is None else bound, 1.005))
    parts = [(RAW_NAME, x, steps, raw), (TRAINING_NAME, x, steps, smoothed),
             (SUBSET_NAME, history.epochs(history.val_step), history.val_step, val),
             (FULL_NAME, history.epochs(history.epoch_step), history.epoch_step, full),
             ("frame", [0.0, 0.0 if len(steps) else 1.0], [0, 0], [low, high])]
    if not len(steps):  # the note sits mid-chart; it is only in the data while there is nothing else
        parts.append(("note", [0.5], [0], [(low + high) / 2]))
    value = np.concatenate([np.asarray(v, np.float64) for *_, v in parts])
    return _table(series=codes([name for name, *_ in parts], np.repeat(np.arange(len(parts)),
                                                                          [len(v) for *_, v in parts])),
                  epoch=[np.asarray(e, np.float64) for _, e, _, _ in parts],
                  step=[np.asarray(st, np.int64) for _, _, st, _ in parts], value=value,
                  shown=np.clip(value, low, high), note=EMPTY_NOTE if not len(steps) else "")


PROBE_ROLES = {"true digit": common.PALETTE["true"], "its wrong answer": common.PALETTE["wrong"],
               "its answer": common.PALETTE["focus"], "other digits": GREY}


def probe_spec() -> dict:
    """The probe digit's 10 probabilities over epochs: the true digit green, a wrong favourite yellow (white
    when the true digit is unknown), the rest grey; each likely digit named at its line's end."""
    colour = {"field": "role", "type": "nominal", "title": None,
              "scale": {"domain": list(PROBE_ROLES), "range": list(PROBE_ROLES.values())}, "legend": None}
    x = {"field": "epoch", "type": "quantitative", "title": "epoch", "scale": {"nice": False}}
    y = {"field": "probability", "type": "quantitative", "title": "probability",
         "scale": {"domain": [0, 1.05], "nice": False}, "axis": {"format": ".0%"}}
    width = {"field": "width", "type": "quantitative", "scale": None}
    return {
        "height": PROBE_HEIGHT, "title": {"text": "Your digit, answered as it learns", "anchor": "start"},
        "encoding": {"x": x, "y": y},
        "layer": [
            {"mark": {"type": "line"}, "encoding": {"detail": {"field": "digit", "type": "nominal"}, "color": colour,
                                                    "strokeWidth": width,
                                                    "opacity": {"field": "opacity", "type": "quantitative",
                                                                "scale": None}}},
            {"transform": [{"filter": "datum.digit != ''"}], "mark": {"type": "point", "opacity": 0, "size": 80},
             "encoding": {"tooltip": [{"field": "digit", "type": "nominal"},
                                      {"field": "probability", "type": "quantitative", "format": ".1%"},
                                      {"field": "epoch", "type": "quantitative", "format": ".2f"}]}},
            {"transform": [{"filter": "datum.label != ''"}],
             "mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 16, "fontWeight": "bold"},
             "encoding": {"text": {"field": "label"}, "color": colour}},
            {"transform": [{"filter": "datum.note != ''"}], "mark": NOTE_MARK, "encoding": {"text": {"field": "note"}}},
        ],
    }


def probe_data(steps: np.ndarray, probs: np.ndarray, steps_per_epoch: int, label: int | None = None) -> pa.Table:
    """One row per (point, digit); the last point of each digit above 4% carries its label."""
    probs = np.asarray(probs, np.float64).reshape(-1, 10)
    if not len(probs):
        return _table(epoch=np.array([0.5, 0.0, 1.0]), digit=np.array(["", "", ""], object),  # mid-chart, then
                      probability=np.array([0.5, 0.0, 0.0]), role="other digits", width=1.5,  # the axis's ends
                      opacity=0.0, label="", note=np.array(["The probabilities start\nwith the first step.", "", ""],
                                                           object))
    leader = int(np.argmax(probs[-1]))
    x, *columns = thin(np.asarray(steps, np.float64) / steps_per_epoch, *probs.T)
    extra = int(np.ptp(x) == 0)  # one moment only (the answer before the first step): an axis of one epoch,
    n, digits = len(x), np.repeat(np.arange(10), len(x))   # not 0 to 0, from one more (invisible) row
    roles, bold = list(PROBE_ROLES), np.array([d in (leader, label) for d in range(10)] + [False])
    role = [roles.index(next(r for r, c in PROBE_ROLES.items() if c == digit_colour(d, leader, label)))
            for d in range(10)] + [roles.index("other digits")]
    ends = (np.arange(10) + 1) * n - 1  # each digit's last point: its label when above 4%
    labelled = np.zeros(10 * n + extra, np.int8)
    labelled[ends] = np.where([columns[d][-1] > 0.04 for d in range(10)], np.arange(10) + 1, 0)
    digits = np.append(digits, np.full(extra, 10))  # the extra row's digit: ""
    return _table(epoch=np.append(np.tile(x, 10), [x[0] + 1.0] * extra),
                  digit=codes([str(d) for d in range(10)] + [""], digits),
                  probability=np.append(np.concatenate(columns), [0.0] * extra),
                  role=codes(roles, np.asarray(role)[digits]),
                  width=np.where(bold, 4.0, 1.5)[digits],
                  opacity=np.where(bold[digits], 1.0, np.where(digits == 10, 0.0, 0.6)),
                  label=codes(["", *(str(d) for d in range(10))], labelled), note="")


def layer_change_spec(depth: int) -> dict:
    """How much each hidden layer's weights change per step, relative to their size, on a log axis: a
    layer whose line sinks has nearly stopped learning. One line per hidden layer, told apart by shade and dash."""
    names = [f"layer {i + 1}" for i in range(depth)]
    shades = [GREY, "#b4bccb", "#dde2ea", "#ffffff"][:depth]
    colour = {"field": "layer", "type": "nominal", "title": None, "scale": {"domain": names, "range": shades},
              "legend": {"orient": "top", "direction": "horizontal", "columns": 2, "labelFontSize": 12}}
    dash = {"field": "layer", "type": "nominal", "scale": {"domain": names,
                                                           "range": [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]][:depth]},
            "legend": None}
    x = {"field": "epoch", "type": "quantitative", "title": "epoch", "scale": {"nice": False}}
    y = {"field": "change", "type": "quantitative", "title": "weights changed per step",
         "scale": {"type": "log"}, "axis": {"format": "~%", "tickCount": 4}}
    return {
        "height": CHANGE_HEIGHT, "title": {"text": "Which layer is learning", "anchor": "start"},
        "encoding": {"x": x, "y": y},
        "layer": [
            {"transform": [{"filter": "datum.layer != '' && datum.change > 0"}],
             "mark": {"type": "line", "strokeWidth": 2.5},
             "encoding": {"color": colour, "strokeDash": dash}},
            {"transform": [{"filter": "datum.layer != '' && datum.change > 0"}],
             "mark": {"type": "point", "opacity": 0, "size": 80},
             "encoding": {"tooltip": [{"field": "layer", "type": "nominal"},
                                      {"field": "change", "type": "quantitative", "format": ".4~%",
                                       "title": "weights changed per step"},
                                      {"field": "epoch", "type": "quantitative", "format": ".2f"},
                                      {"field": "step", "type": "quantitative", "format": ","}]}},
            {"transform": [{"filter": "datum.layer == ''"}],  # the note, and the axis before any change
             "mark": NOTE_MARK,
             "encoding": {"text": {"field": "note"}}},
        ],
    }


def layer_change_data(steps: np.ndarray, changes: np.ndarray, steps_per_epoch: int) -> pa.Table:
    """One row per (measurement, hidden layer): changes is (points, depth), as a layer_change.Trail holds."""
    changes = np.asarray(changes, np.float64)
    depth = changes.shape[1] if changes.ndim == 2 else 0
    if not len(steps):
        return _table(epoch=np.array([0.5, 0.0, 1.0]), step=0, layer="", change=np.array([1e-3, 1e-4, 1e-2]),
                      note=np.array(["Appears after\na few steps of training.", "", ""], object))
    epochs = np.asarray(steps, np.float64) / steps_per_epoch
    return _table(epoch=np.tile(epochs, depth), step=np.tile(np.asarray(steps, np.int64), depth),
                  layer=np.repeat([f"layer {i + 1}" for i in range(depth)], len(epochs)).astype(object),
                  change=changes.T.ravel(), note="")


SHADES = 255  # the tiles' colours: with one more palette entry, for the gaps, a PNG of one byte a pixel


def _diverging_lut() -> np.ndarray:
    """The app's red-white-blue scale (common.DIVERGING) as SHADES RGB rows, −1 at row 0, 0 (white) at the
    middle row and +1 at the last."""
    scale = plotly.colors.get_colorscale(common.DIVERGING)
    stops = np.array([s for s, _ in scale])
    rgb = np.array([plotly.colors.unlabel_rgb(plotly.colors.convert_colors_to_same_type(c, "rgb")[0][0])
                    for _, c in scale])
    grid = np.linspace(0, 1, SHADES)
    return np.stack([np.interp(grid, stops, rgb[:, i]) for i in range(3)], -1).round().astype(np.uint8)


LUT = _diverging_lut()
_PALETTE = [*LUT.ravel().tolist(), 0, 0, 0]  # the last entry, SHADES, is the gaps' (transparent)


def shades(scaled: np.ndarray) -> np.ndarray:
    """Weights scaled to [−1, 1] → rows of LUT (NaN, a gap, → SHADES: transparent)."""
    gap = np.isnan(scaled)
    index = np.clip(np.round((np.where(gap, 0, scaled) + 1) * ((SHADES - 1) / 2)), 0, SHADES - 1)
    return np.where(gap, SHADES, index).astype(np.uint8)


def _png(index: np.ndarray) -> str:
    """A palette PNG (LUT, and SHADES transparent): a third of an RGBA PNG's bytes, a tenth of its CPU time
    (15 kB and 0.3 ms against 45 kB and 2.4 ms for 18 tiles, each second while training)."""
    image = Image.fromarray(index, "P")
    image.putpalette(_PALETTE)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1, transparency=SHADES)
    return base64.b64encode(out.getvalue()).decode("ascii")


def weight_tiles_html(w1: np.ndarray, units: int = 18, cols: int = 6) -> str:
    """The first `units` hidden neurons' incoming weights as 28×28 tiles, red positive and blue negative,
    each scaled to its own largest weight (as figures.training.weight_tiles); hovering a tile names its
    neuron and its weights' range. One inline image (decoded before the page paints it: a served image
    file could be replaced, and gone, before a busy browser fetched it) under a grid of hover cells."""
    count = min(units, w1.shape[1])
    cols = min(cols, count)
    raw = np.asarray(w1[:, :count], np.float32).T.reshape(count, 28, 28)
    scaled = raw / np.maximum(np.abs(raw).max(axis=(1, 2), keepdims=True), 1e-12)
    rows = -(-count // cols)
    # Each tile with a 2-pixel gap after it (right and below), so that the hover grid's equal cells fit it.
    mosaic = np.full((rows * 30, cols * 30), np.nan, np.float32)
    for i in range(count):
        r, c = divmod(i, cols)
        mosaic[r * 30:r * 30 + 28, c * 30:c * 30 + 28] = scaled[i]
    picture = _png(shades(mosaic))
    cells = "".join(f'<div title="neuron {i}: weights from {raw[i].min():.4f} to {raw[i].max():.4f}"></div>'
                    for i in range(count))
    return (f'<div class="nnviz-tiles" style="position:relative;max-width:{cols * 90}px">'
            f'<img decoding="sync" alt="First-layer weights of neurons 0 to {count - 1}" '
            f'src="data:image/png;base64,{picture}" style="width:100%;display:block;image-rendering:pixelated">'
            f'<div style="position:absolute;inset:0;display:grid;grid-template-columns:repeat({cols},1fr);'
            f'grid-template-rows:repeat({rows},1fr)">{cells}</div></div>')
