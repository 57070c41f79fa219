"""Teaching figures show the exact numbers of the step: the UPDATE coloured red when a weight grows."""

import numpy as np
import plotly.colors
import pytest

from nnviz import data, model, network, teach
from nnviz.figures import teach as figures
from tests.test_teach import keras_model, tape_gradients


@pytest.fixture(scope="module")
def step():
    """One SGD step on a test digit the pretrained model misreads: (lesson, label, rival)."""
    net = model.to_network(model.load_default_model())
    sample = data.load_sample()
    images = data.as_float(sample.x_test)
    index = int(np.flatnonzero(network.predict_proba(net, images).argmax(1) != sample.y_test)[0])
    label = int(sample.y_test[index])
    lesson = teach.teach(teach.start(net, images[index], label), "sgd", 2e-3)
    return lesson, label, teach.rival(lesson.probs[0], label)


def end_colours(scale) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The colours a colour scale gives its smallest and its largest value, as (r, g, b)."""
    def rgb(colour):
        return plotly.colors.unlabel_rgb(plotly.colors.convert_colors_to_same_type(colour, "rgb")[0][0])
    return rgb(scale[0][1]), rgb(scale[-1][1])


def test_probabilities_before_and_after_side_by_side(step):
    lesson, label, _ = step
    fig = figures.probabilities_before_after(lesson.probs[0], lesson.probs[1], label)
    before, after = fig.data
    np.testing.assert_array_equal(before.y, lesson.probs[0])
    np.testing.assert_array_equal(after.y, lesson.probs[1])
    assert (before.name, after.name) == ("before", "after") and fig.layout.barmode == "group"
    assert before.x[label] == f"{label} (true)"
    assert "%{y:.4f}" in after.hovertemplate


def test_hidden_changes_colour_the_update_with_red_for_growth(step):
    lesson, label, _ = step
    update, grads, after = lesson.last.update, lesson.last.grads, lesson.current
    neurons = teach.most_affected(update, 6)
    changes = teach.neuron_changes(lesson.original, after, lesson.image, label, 0)
    verdicts = [changes[j].verdict for j in neurons]
    fig = figures.hidden_changes(after.w1, update.w1, grads.w1, neurons, verdicts)
    weights_trace, update_trace = fig.data
    assert update_trace.zmin == -update_trace.zmax  # centred on 0
    blue, red = end_colours(update_trace.colorscale)
    assert red[0] > max(red[1:]) and blue[2] > max(blue[:2])  # growth (positive change) is red, shrinkage blue
    for i, (j, verdict) in enumerate(zip(neurons, verdicts, strict=True)):
        tile = np.asarray(update_trace.z)[:, 29 * i:29 * i + 28]
        np.testing.assert_array_equal(tile, update.w1[:, j].reshape(28, 28))  # the exact update, reshaped
        weights_tile = np.asarray(weights_trace.z)[:, 29 * i:29 * i + 28]
        np.testing.assert_array_equal(weights_tile, after.w1[:, j].reshape(28, 28))
        np.testing.assert_array_equal(np.asarray(update_trace.customdata)[:, 29 * i:29 * i + 28, 2],
                                      grads.w1[:, j].reshape(28, 28))
        # Plain SGD: update = −η·gradient, so a reinforced neuron's tile is all growth (red), a penalised one's blue.
        assert (tile >= 0).all() if verdict == "reinforced" else (tile <= 0).all()
        assert f"#{j}" in fig.layout.annotations[2 + i].text and verdict in fig.layout.annotations[2 + i].text
    assert np.isnan(np.asarray(update_trace.z)[:, 28]).all()  # gaps between tiles
    assert "gradient" in update_trace.hovertemplate and "change" in update_trace.hovertemplate


def test_hover_gradients_equal_gradient_tape(step):
    """The gradient a user reads on hover is tf.GradientTape's, to 1e-6."""
    lesson, label, rival = step
    _, tape = tape_gradients(keras_model(lesson.original, "float64"), lesson.image, label)
    neurons = teach.most_affected(lesson.last.update, 4)
    fig = figures.hidden_changes(lesson.current.w1, lesson.last.update.w1, lesson.last.grads.w1, neurons,
                                 ["reinforced"] * len(neurons))
    shown = np.asarray(fig.data[1].customdata)
    for i, j in enumerate(neurons):
        np.testing.assert_allclose(shown[:, 29 * i:29 * i + 28, 2], tape[0][:, j].reshape(28, 28), atol=1e-6)
    out = figures.output_changes(lesson.last.update.w2, lesson.last.grads.w2, label, rival)
    np.testing.assert_allclose(np.asarray(out.data[0].customdata)[:, :, 2], tape[2], atol=1e-6)


def test_output_changes_mark_the_true_and_rival_columns(step):
    lesson, label, rival = step
    update = lesson.last.update
    fig = figures.output_changes(update.w2, lesson.last.grads.w2, label, rival)
    heat = fig.data[0]
    np.testing.assert_array_equal(np.asarray(heat.z), update.w2)
    assert heat.zmin == -heat.zmax
    marked = sorted((s.x0 + s.x1) / 2 for s in fig.layout.shapes)
    assert marked == sorted([label, rival])
    ticks = fig.layout.xaxis.ticktext
    assert figures.TRUE in ticks[label] and figures.RIVAL in ticks[rival]
    # Into the true digit every active neuron's weight grows; into the rival it shrinks.
    active = network.forward(lesson.original, lesson.image).hidden > 0
    assert (update.w2[active, label] > 0).all() and (update.w2[active, rival] < 0).all()


def test_learning_curve_plots_true_against_best_wrong(step):
    lesson, label, _ = step
    fig = figures.learning_curve(lesson.probs, label)
    true, other = fig.data
    np.testing.assert_allclose(true.y, lesson.true_curve)
    wrong = np.array(lesson.probs, dtype=np.float64)
    wrong[:, label] = -1
    np.testing.assert_allclose(other.y, wrong.max(axis=1))
    assert list(other.customdata) == list(wrong.argmax(axis=1))
    assert list(true.x) == list(range(lesson.nudges + 1))


def test_no_changed_neuron_gives_an_explained_empty_figure():
    zero = np.zeros((784, 4), np.float32)
    fig = figures.hidden_changes(zero, zero, zero, np.array([], int), [])
    assert not fig.data and "no hidden weights" in fig.layout.title.text


def test_hidden_changes_pin_the_top_rows_x_range_so_its_tiles_keep_their_size():
    """The top row's y range is fixed (headroom for labels); without a fixed x range fitted by domain,
    plotly widened the x range for the width it first drew at, and the tiles stayed tiny (issue 12)."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(784, 12))
    fig = figures.hidden_changes(w, w * 1e-3, w, np.arange(8), ["reinforced"] * 8)
    assert list(fig.layout.xaxis.range) == [-0.5, 8 * figures.GRID - 1.5] and fig.layout.xaxis.constrain == "domain"


def test_gradient_sizes_are_bars_of_each_layers_norm_on_a_log_scale():
    from tests.support import stacks

    net = model.to_network(stacks.random_stack((40, 20, 16), "sigmoid", seed=5))
    image = data.as_float(data.load_sample().x_test[0])
    sizes = teach.gradient_sizes(net, teach.gradients(net, image, 3))
    fig = figures.gradient_sizes(sizes)
    bars = fig.data[0]
    assert list(bars.x) == ["hidden 1", "hidden 2", "hidden 3", "output"] and fig.layout.yaxis.type == "log"
    np.testing.assert_array_equal(bars.y, [s.norm for s in sizes])
    assert [c[1] for c in bars.customdata] == [40 * 784, 20 * 40, 16 * 20, 10 * 16]
    low, high = fig.layout.yaxis.range  # every bar and its label inside the axis (log10 units)
    assert low < np.log10(min(s.norm for s in sizes)) and high > np.log10(max(s.norm for s in sizes)) + 0.2


def test_kernel_changes_show_the_picked_block_with_its_gradients():
    rng = np.random.default_rng(1)
    update, grads = rng.normal(size=(30, 20)), rng.normal(size=(30, 20))
    rows, cols = np.array([2, 5, 9]), np.array([0, 7])
    fig = figures.kernel_changes(update, grads, rows, cols, "hidden layer 1", "hidden layer 2")
    heat = fig.data[0]
    np.testing.assert_array_equal(np.asarray(heat.z), update[np.ix_(rows, cols)])
    np.testing.assert_array_equal(np.asarray(heat.customdata), grads[np.ix_(rows, cols)])
    assert list(heat.y) == ["2", "5", "9"] and list(heat.x) == ["0", "7"] and heat.zmin == -heat.zmax
    assert fig.layout.yaxis.title.text == "hidden layer 1 neuron" and "gradient" in heat.hovertemplate
