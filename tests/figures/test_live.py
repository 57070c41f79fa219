"""The Train page's live pictures: specs that never change while training, data with the exact values for the
hover, the axes a run starts on, and weight tiles as inline images."""

import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from nnviz.figures import live
from nnviz.figures.common import PALETTE
from nnviz.figures.training import EMPTY_LOSS_TOP, FULL_NAME, SUBSET_NAME, TRAINING_NAME
from nnviz.run_record import History
from tests.figures.test_training import history


def rows(table, series):
    return table[table["series"] == series]


@pytest.mark.parametrize("metric", ["accuracy", "loss"])
def test_the_curves_spec_holds_no_data_so_a_refresh_only_swaps_the_data(metric):
    """The browser keeps a Vega-Lite chart and swaps its data in place when the spec is unchanged: the
    spec must not depend on the run (a plotly chart was replaced whole, and blank until drawn again)."""
    spec = live.curves_spec(metric)
    assert json.dumps(spec) == json.dumps(live.curves_spec(metric))
    assert "data" not in spec and "values" not in json.dumps(spec)
    colours = spec["layer"][2]["encoding"]["color"]["scale"]
    assert colours == {"domain": [TRAINING_NAME, SUBSET_NAME, FULL_NAME],
                       "range": [PALETTE["training"], PALETTE["validation"], PALETTE["validation"]]}
    hover = next(layer for layer in spec["layer"] if "tooltip" in layer["encoding"])["encoding"]["tooltip"]
    assert {"field": "value", "type": "quantitative", "format": ".1%" if metric == "accuracy" else ".3f"} in hover
    assert {"field": "step", "type": "quantitative", "format": ","} in hover


def test_the_curves_data_has_each_curve_with_its_exact_values():
    h = history()
    table = live.curves_data(h, "loss").to_pandas()
    raw, val, full = rows(table, live.RAW_NAME), rows(table, SUBSET_NAME), rows(table, FULL_NAME)
    assert len(raw) == len(rows(table, TRAINING_NAME)) <= 601 and raw["step"].iloc[-1] == h.step[-1]  # thinned
    assert np.allclose(val["value"], h.val_loss) and np.allclose(val["epoch"], h.val_step / 250)
    assert np.allclose(full["value"], h.epoch_val_loss) and list(full["step"]) == list(h.epoch_step)
    assert not len(rows(table, "note"))  # the "press Train" note is gone once there is data


def test_a_loss_spike_runs_off_the_top_but_its_hover_keeps_the_number():
    h = history()
    loss = h.loss.copy()
    loss[0] = 40.0  # the first point: thinning always keeps it
    h = History(h.steps_per_epoch, step=h.step, loss=loss, accuracy=h.accuracy, val_step=h.val_step,
                val_loss=h.val_loss, val_accuracy=h.val_accuracy)
    table = live.curves_data(h, "loss").to_pandas()
    spike = rows(table, live.RAW_NAME).query("step == 1")
    assert spike["value"].item() == 40.0 and spike["shown"].item() <= np.float32(EMPTY_LOSS_TOP * 1.05)
    frame = rows(table, "frame")
    assert frame["shown"].min() == 0 and table["shown"].max() == frame["shown"].max()


@pytest.mark.parametrize(("metric", "low", "high"), [("accuracy", 0, 1.005), ("loss", 0, EMPTY_LOSS_TOP)])
def test_before_training_the_axes_are_the_ones_a_run_starts_on_and_say_what_to_do(metric, low, high):
    table = live.curves_data(History(), metric).to_pandas()
    frame = rows(table, "frame")
    assert list(frame["shown"]) == pytest.approx([low, high]) and list(frame["epoch"]) == [0, 1]
    assert rows(table, "note")["note"].item() == live.EMPTY_NOTE
    assert rows(table, "note")["shown"].item() == pytest.approx((low + high) / 2)


def test_the_accuracy_axis_zooms_on_where_the_curves_are():
    table = live.curves_data(history(), "accuracy").to_pandas()
    frame = rows(table, "frame")
    assert 0 < frame["shown"].min() < table.loc[table["series"] == SUBSET_NAME, "value"].min()
    assert frame["shown"].max() == 1.005


def test_the_probe_marks_the_true_digit_and_a_wrong_favourite_and_labels_the_likely_ones():
    probs = np.tile(np.full(10, 0.01), (20, 1))
    probs[:, 7] = np.linspace(0.9, 0.2, 20)   # the network's favourite early, then…
    probs[:, 3] = np.linspace(0.1, 0.7, 20)   # …the true digit overtakes it
    probs /= probs.sum(axis=1, keepdims=True)
    table = live.probe_data(np.arange(1, 21) * 10, probs, steps_per_epoch=50, label=3).to_pandas()
    assert set(table["digit"]) == {str(d) for d in range(10)} and len(table) == 200
    by_digit = table.groupby("digit")
    assert by_digit["role"].first()["3"] == "true digit" and by_digit["width"].first()["3"] == 4.0
    assert by_digit["role"].first()["7"] == "other digits"  # no longer the favourite: grey
    assert sorted(table.loc[table["label"] != "", "label"]) == ["3", "7"]  # above 4% at the end
    assert table.query("digit == '3'")["probability"].iloc[-1] == pytest.approx(probs[-1, 3])
    wrong = live.probe_data(np.arange(1, 21), probs[:, ::-1], steps_per_epoch=50, label=3).to_pandas()
    assert wrong.groupby("digit")["role"].first()["6"] == "its wrong answer"
    drawing = live.probe_data(np.arange(1, 21), probs, steps_per_epoch=50, label=None).to_pandas()
    assert drawing.groupby("digit")["role"].first()["3"] == "its answer"  # white: the true digit is unknown
    assert live.PROBE_ROLES == {"true digit": PALETTE["true"], "its wrong answer": PALETTE["wrong"],
                                "its answer": PALETTE["focus"], "other digits": PALETTE["neutral"]}


def test_a_probe_with_no_step_yet_says_when_it_starts():
    table = live.probe_data([], np.zeros((0, 10)), 50, 3).to_pandas()
    assert "first step" in table["note"].iloc[0] and (table["opacity"] == 0).all()
    assert table["epoch"].iloc[0] == 0.5 and (table["epoch"].min(), table["epoch"].max()) == (0, 1)  # centred


def test_a_probe_of_one_moment_gets_an_axis_of_one_epoch():
    """Issue 12: before the first step the probe has one row, at epoch 0; its axis ran from 0 to 0 ("0.000000")."""
    probs = np.full((1, 10), 0.1)
    table = live.probe_data([0], probs, 50, 3).to_pandas()
    drawn = table[table["digit"] != ""]
    assert len(drawn) == 10 and (drawn["epoch"] == 0).all()  # the ten answers, as they are
    assert table["epoch"].max() == 1.0 and (table[table["digit"] == ""]["opacity"] == 0).all()


def test_notes_break_into_lines_a_tablets_narrow_chart_fits():
    assert all(len(line) <= 24 for line in live.EMPTY_NOTE.split("\n"))
    note = live.probe_data([], np.zeros((0, 10)), 50, 3).to_pandas()["note"].iloc[0]
    assert all(len(line) <= 24 for line in note.split("\n"))
    assert live.curves_spec("accuracy")["layer"][-1]["mark"]["lineBreak"] == "\n"
    change = live.layer_change_data(np.array([]), np.zeros((0, 2)), steps_per_epoch=20).to_pandas()["note"].iloc[0]
    assert all(len(line) <= 24 for line in change.split("\n"))
    assert live.layer_change_spec(2)["layer"][-1]["mark"]["lineBreak"] == "\n"


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_the_layer_change_chart_has_one_line_per_hidden_layer(depth):
    changes = np.abs(np.random.default_rng(depth).normal(1e-3, 1e-4, (5, depth)))
    table = live.layer_change_data(np.arange(1, 6) * 10, changes, steps_per_epoch=20).to_pandas()
    assert list(table["layer"].unique()) == [f"layer {i + 1}" for i in range(depth)]
    assert np.allclose(table.query("layer == 'layer 1'")["change"], changes[:, 0])
    assert np.allclose(table["epoch"].iloc[:5], np.arange(1, 6) / 2)
    spec = live.layer_change_spec(depth)
    line = spec["layer"][0]["encoding"]
    assert line["color"]["scale"]["domain"] == [f"layer {i + 1}" for i in range(depth)]
    assert len(line["strokeDash"]["scale"]["range"]) == depth
    assert spec["encoding"]["y"]["scale"]["type"] == "log"


def test_the_layer_change_chart_before_any_change_says_when_it_appears():
    table = live.layer_change_data(np.zeros(0), np.zeros((0, 2)), 20).to_pandas()
    assert "few steps" in table["note"].iloc[0] and (table["layer"] == "").all()


def test_weight_tiles_are_one_inline_image_with_a_hover_cell_per_neuron():
    rng = np.random.default_rng(0)
    w1 = rng.normal(0, 0.05, (784, 32)).astype(np.float32)
    w1[0, 0], w1[1, 0] = 0.5, -0.25    # neuron 0: its largest weight is at pixel (0, 0)
    html = live.weight_tiles_html(w1, units=18, cols=6)
    cells = re.findall(r'<div title="([^"]+)"></div>', html)
    assert len(cells) == 18 and "repeat(6,1fr)" in html and "repeat(3,1fr)" in html and 'decoding="sync"' in html
    assert cells[0] == f"neuron 0: weights from {w1[:, 0].min():.4f} to 0.5000"
    image = np.asarray(Image.open(io.BytesIO(base64.b64decode(re.search(r"base64,([^\"]+)", html)[1]))).convert("RGBA"))
    assert image.shape == (90, 180, 4)  # 3 rows of 6 tiles, each with its 2-pixel gap
    top, half = live.SHADES - 1, (live.SHADES - 1) // 2
    assert tuple(image[0, 0, :3]) == tuple(live.LUT[top])
    assert tuple(image[0, 1, :3]) == tuple(live.LUT[round(half / 2)])  # -0.5
    assert image[0, 28, 3] == 0 and image[28, 0, 3] == 0 and image[0, 30, 3] == 255  # clear gaps, then tile 1
    neuron_7 = w1[:, 7].reshape(28, 28) / np.abs(w1[:, 7]).max()  # row 1, column 1
    assert np.array_equal(image[30:58, 30:58, :3], live.LUT[np.round((neuron_7 + 1) * half).astype(int)])
    assert (image[30:58, 30:58, 3] == 255).all()
    assert live.LUT[-1][0] > live.LUT[-1][2] and live.LUT[0][2] > live.LUT[0][0]  # red positive, blue negative
    assert len(re.findall(r"<div title=", live.weight_tiles_html(w1[:, :8]))) == 8  # a narrow layer shows all it has


@pytest.mark.parametrize(("per_s", "shown"), [(0.0, "–"), (850.4, "850"), (9_999.0, "9,999"), (13_245.0, "13.2k"),
                                            (125_000.0, "125.0k")])
def test_the_training_rate_fits_a_tablets_metric_column(per_s, shown):
    assert live.rate(per_s) == shown
