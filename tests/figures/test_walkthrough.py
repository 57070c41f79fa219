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
    # Issue 12: three titles side by side overlapped on a 390 px phone; each now fits its third.
    assert all(len(a.text) <= 15 for a in fig.layout.annotations)
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


@pytest.fixture(scope="module")
def deep():
    from tests.support import stacks

    net = model.to_network(stacks.random_stack((40, 20, 16), "relu", seed=3))
    return net, walkthrough.walk(net, data.as_float(data.load_sample().x_test[4]), layer=1)


def test_a_deeper_neurons_sum_is_bars_of_the_layer_below_its_weights_and_their_products(deep):
    _, steps = deep
    ns = steps.neuron
    fig = figures.input_bars(ns)
    h, w, product = (np.asarray(trace.y) for trace in fig.data)
    np.testing.assert_array_equal(h, steps.hiddens[0])  # the layer below's outputs
    np.testing.assert_array_equal(w, ns.weights)
    np.testing.assert_array_equal(product, ns.products)
    assert product.sum() == pytest.approx(ns.dot) and f"{ns.dot:.4f}" in fig.layout.annotations[2].text
    colours = list(fig.data[2].marker.color)
    assert all(c == (figures.PALETTE["positive"] if p > 0 else figures.PALETTE["negative"])
               for c, p in zip(colours, product, strict=True))


def test_layer_bars_show_every_hidden_layer_and_whiten_the_picked_neuron_only(deep, walk):
    net, steps = deep
    fig = figures.layer_bars(steps.hiddens, 1, steps.neuron.neuron, ["one", "two", "three"])
    assert len(fig.data) == 3 and [a.text for a in fig.layout.annotations][:3] == ["one", "two", "three"]
    for trace, hidden in zip(fig.data, steps.hiddens, strict=True):
        np.testing.assert_array_equal(trace.y, hidden)
    whites = [(i, j) for i, trace in enumerate(fig.data) for j, c in enumerate(trace.marker.color)
              if c == figures.HIGHLIGHT]
    assert whites == [(1, steps.neuron.neuron)]
    logit = figures.layer_bars(steps.hiddens, net.depth, 2, ["one", "two", "three"])
    assert figures.HIGHLIGHT not in [c for trace in logit.data for c in trace.marker.color]
    one = figures.layer_bars(walk.hiddens, 0, walk.neuron.neuron, ["hidden layer"])  # one layer: as hidden_bars
    np.testing.assert_array_equal(one.data[0].y, walk.hidden)
    assert not one.layout.annotations
