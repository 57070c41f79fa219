"""Walkthrough figures show exactly the walkthrough's numbers."""

import numpy as np
import pytest

from nnviz import data, model, walkthrough
from nnviz.figures import walkthrough as figures


@pytest.fixture(scope="module")
def walk():
    net = model.to_network(model.load_default_model())
    return walkthrough.walk(net, data.as_float(data.load_sample().x_test[4]))


def test_neuron_sum_tiles_are_x_w_and_their_product(walk):
    ns = walk.neuron
    fig = figures.neuron_sum_tiles(ns)
    x, w, product = (np.asarray(trace.z) for trace in fig.data)
    np.testing.assert_array_equal(x, ns.inputs.reshape(28, 28))
    np.testing.assert_array_equal(w, ns.weights.reshape(28, 28))
    np.testing.assert_array_equal(product, ns.products.reshape(28, 28))
    assert product.sum() == pytest.approx(ns.dot)
    assert fig.data[2].zmin == -fig.data[2].zmax  # diverging, centred on 0
    assert f"{ns.dot:.4f}" in fig.layout.annotations[2].text
    assert np.asarray(fig.data[0].customdata)[3, 5] == 3 * 28 + 5  # hover names the flat input index


def test_hidden_bars_highlight_the_chosen_neuron(walk):
    fig = figures.hidden_bars(walk.hidden, walk.neuron.neuron)
    np.testing.assert_array_equal(fig.data[0].y, walk.hidden)
    colours = list(fig.data[0].marker.color)
    assert colours[walk.neuron.neuron] == figures.HIGHLIGHT and colours.count(figures.HIGHLIGHT) == 1


def test_logit_bars_decompose_each_logit(walk):
    fig = figures.logit_bars(walk.logit_dots, walk.logit_biases, walk.logits)
    bars = fig.data[0]
    np.testing.assert_array_equal(bars.y, walk.logits)
    custom = np.asarray(bars.customdata)
    np.testing.assert_allclose(custom[:, 0] + custom[:, 1], walk.logits)
    assert list(bars.marker.color).index(figures.HIGHLIGHT) == walk.prediction
    assert "bias" in bars.hovertemplate
