"""Training figures: the right traces, exact values on hover, and light enough to resend while training."""

import numpy as np
import pytest

from nnviz.figures import training as figures
from nnviz.figures.common import PALETTE
from nnviz.run_record import History


def history(steps=5000, per_epoch=250, seed=0):
    rng = np.random.default_rng(seed)
    step = np.arange(1, steps + 1)
    loss = 2.3 * np.exp(-step / 500) + 0.1 * rng.random(steps)
    val_step = np.arange(per_epoch // 4, steps + 1, per_epoch // 4)
    epoch_step = np.arange(per_epoch, steps + 1, per_epoch)
    return History(per_epoch, step=step, loss=loss, accuracy=1 - loss / 2.5, val_step=val_step,
                   val_loss=2.3 * np.exp(-val_step / 600) + 0.2, val_accuracy=0.9 - np.exp(-val_step / 600) * 0.8,
                   epoch_step=epoch_step, epoch_loss=np.full(len(epoch_step), 0.3),
                   epoch_accuracy=np.full(len(epoch_step), 0.9), epoch_val_loss=np.full(len(epoch_step), 0.35),
                   epoch_val_accuracy=np.full(len(epoch_step), 0.88))


def test_smooth_is_a_trailing_mean_that_skips_nans():
    assert np.allclose(figures.smooth(np.array([1.0, 3.0, 5.0, 7.0]), 2), [1, 2, 4, 6])
    out = figures.smooth(np.array([np.nan, 2.0, np.nan, 4.0]), 2)
    assert np.isnan(out[0]) and np.allclose(out[1:], [2, 2, 4])


def test_overlay_keeps_the_colours_of_training_and_validation_and_tells_runs_apart_by_style():
    fig = figures.overlay([("Run 1", history(seed=1)), ("Run 2", history(seed=2))], "accuracy")
    assert [t.name for t in fig.data] == ["Run 1: training", "Run 1: validation",
                                          "Run 2: training", "Run 2: validation"]
    assert [t.line.color for t in fig.data] == [PALETTE["training"], PALETTE["validation"]] * 2
    assert fig.data[0].line.dash == fig.data[1].line.dash != fig.data[2].line.dash == fig.data[3].line.dash
    assert fig.data[1].marker.symbol != fig.data[3].marker.symbol
    assert [a.text for a in fig.layout.annotations] == ["Run 1", "Run 1", "Run 2", "Run 2"]  # labels at line ends
    assert "Run 2" in fig.data[3].hovertemplate and "%{y:.1%}" in fig.data[3].hovertemplate


def test_confusion_matrix_cells_are_clickable_and_show_counts():
    m = np.diag(np.arange(10, 20))
    m[4, 9] = 7
    fig = figures.confusion(m)
    heat, points = fig.data
    assert np.array_equal(np.asarray(heat.text), m) and heat.z[4][9] == 1.0 and heat.z[4][4] == -1.0
    assert len(points.x) == 100 and points.customdata[4 * 10 + 9][0] == 7
    assert points.x[49] == 9 and points.y[49] == 4  # x = predicted, y = true
    assert "true %{y}, predicted %{x}" in points.hovertemplate
    assert points.selected.marker.opacity == 1 and points.marker.opacity == 0  # a clicked cell gets an outline
    assert list(fig.layout.xaxis.range) == [-0.5, 9.5] and fig.layout.clickmode == "event+select"


def test_weight_tiles_hover_gives_the_exact_weight_of_each_pixel():
    rng = np.random.default_rng(0)
    w1 = rng.normal(0, 0.05, (784, 40)).astype(np.float32)
    fig = figures.weight_tiles(w1, units=18, cols=6)
    z, data = np.asarray(fig.data[0].z, np.float64), np.asarray(fig.data[0].customdata, np.float64)
    pitch = 28 + figures.GAP
    for neuron, pixel in ((0, 0), (7, 300), (17, 783)):
        r, c = divmod(neuron, 6)
        y, x = r * pitch + pixel // 28, c * pitch + pixel % 28
        assert data[y, x, 0] == neuron and data[y, x, 1] == pytest.approx(w1[pixel, neuron])
        assert z[y, x] == pytest.approx(w1[pixel, neuron] / np.abs(w1[:, neuron]).max(), rel=1e-5)
    assert np.nanmax(np.abs(z)) == pytest.approx(1.0) and np.isnan(z[28, 0])  # gaps between tiles
    assert len(fig.to_json()) < 400_000  # resent about once a second while training


def test_gallery_makes_every_digit_a_clickable_point_with_a_caption():
    images = np.random.default_rng(0).random((13, 28, 28))
    fig = figures.gallery(images, [f"{i}→{i + 1}" for i in range(13)], [f"digit {i}" for i in range(13)], cols=5)
    heat, points, captions = fig.data
    assert np.asarray(heat.z).shape == (3 * (28 + figures.CAPTION_ROOM) - figures.CAPTION_ROOM, 5 * 30 - 2)
    assert list(points.customdata) == list(range(13)) and list(captions.text)[12] == "12→13"
    assert points.x[6] == pytest.approx(30 + 13.5) and points.y[6] == pytest.approx(28 + figures.CAPTION_ROOM + 13.5)


def test_gaps_label_each_runs_training_minus_validation_gap():
    fig = figures.gaps([("Run 1: dropout 0", 1.0, 0.857), ("Run 2: dropout 0.8", 0.963, 0.864),
                        ("Run 3: stopped early", float("nan"), float("nan"))])
    bars = fig.data[0]
    assert list(bars.y) == ["Run 1: dropout 0", "Run 2: dropout 0.8", "Run 3: stopped early"]
    assert np.allclose(bars.x, [14.3, 9.9, 0.0])
    assert bars.text[0] == "+14.3 points (100% − 86%)" and list(bars.customdata[1]) == [0.963, 0.864]
    assert bars.text[2] == "no full epoch yet"
    assert "training − validation" in fig.layout.xaxis.title.text


def test_confusion_mistakes_take_the_colour_of_a_wrong_answer():
    fig = figures.confusion(np.diag(np.full(10, 5)))
    assert fig.data[0].colorscale[-1][1] == PALETTE["wrong"]


def test_gaps_keep_one_bar_per_run_when_names_repeat():
    fig = figures.gaps([("Run 1", 1.0, 0.9), ("Run 1", 0.95, 0.9)])
    assert len(set(fig.data[0].y)) == 2


def test_spread_keeps_labels_a_gap_apart_in_order_and_near_their_places():
    assert list(figures.spread([0.2, 0.8, 0.5], 0.1)) == [0.2, 0.8, 0.5]  # already apart: unmoved
    placed = figures.spread([1.0, 0.98, 0.5, 1.0], 0.05, 0.0, 1.005)
    assert np.argsort(placed, kind="stable").tolist() == [2, 1, 0, 3]  # the order of the wanted places
    ranked = np.sort(placed)
    assert np.all(np.diff(ranked) >= 0.05 - 1e-12) and ranked[-1] <= 1.005 and ranked[0] == 0.5
    assert np.allclose(figures.spread([1.0, 1.0], 0.2), [0.9, 1.1])  # a cluster centred on its labels
    assert np.allclose(figures.spread([0.0, 0.0], 0.2, 0.0, 1.0), [0.0, 0.2])  # kept inside the axis
    assert figures.spread([], 1.0).size == 0


def test_overlay_end_labels_do_not_overlap_when_runs_end_together():
    """Issue 12: two runs whose curves end at the same accuracy had their names drawn over each other."""
    height = 440
    fig = figures.overlay([("Run 1", history(seed=1)), ("Run 2", history(seed=2))], "accuracy", height=height)
    low, high = fig.layout.yaxis.range
    labels = sorted(a.ay for a in fig.layout.annotations)
    # 12 px type stays apart even if the plot area had the whole figure's height
    assert np.min(np.diff(labels)) >= 14 * (high - low) / height
    ends = [(t.x[-1], t.y[-1]) for t in fig.data]
    assert [(a.x, a.y) for a in fig.layout.annotations] == ends and all(a.ayref == "y" for a in fig.layout.annotations)


def test_overlay_title_lines_fit_a_phone():
    """Issue 12: the one-line title was cut off on a 390 px phone ("…, orange = valic")."""
    fig = figures.overlay([("Run 1", history())], "loss")
    assert all(len(line) <= 40 for line in fig.layout.title.text.split("<br>"))
