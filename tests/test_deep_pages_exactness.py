"""The Layers and Weights pages' numbers at depth 1 to 4 are Keras's own: compared with real TensorFlow.

Each stack is a real Keras model (tests/support/stacks.py); nothing here trusts nnviz's numpy forward pass.
"""

import io
import re

import numpy as np
import pytest
import tensorflow as tf

from nnviz import anatomy, data, model
from nnviz.figures import layers as layer_figures
from tests.support import stacks

WIDTHS = {1: (32,), 2: (48, 24), 3: (40, 20, 16), 4: (48, 32, 24, 16)}
ATOL = 1e-4


@pytest.fixture(scope="module")
def digits():
    return data.as_float(data.load_sample().x_test[:2])


@pytest.fixture(scope="module", params=[(d, a) for d in WIDTHS for a in stacks.ACTIVATIONS],
                ids=lambda p: f"{p[0]}-{p[1]}")
def stack(request, digits):
    depth, activation = request.param
    m = stacks.random_stack(WIDTHS[depth], activation, seed=depth)
    names = [layer.name for layer in model.dense_layers(m)]
    outputs = stacks.keras_outputs(m, digits)
    return m, model.to_network(m), outputs, stacks.keras_preactivations(m, digits), names


def test_every_layers_column_and_sparsity_is_keras(stack, digits):
    m, net, outputs, zs, names = stack
    for k, image in enumerate(digits):
        view = anatomy.layer_view(net, image)
        for i, name in enumerate(names[:-1]):
            np.testing.assert_allclose(view.acts.hiddens[i], outputs[name][k], atol=1e-5)
            assert view.sparsities[i].silent == int(np.sum(outputs[name][k] == 0))
        fig = layer_figures.flow(view, net.activation)
        columns = [t for t in fig.data if t.type == "heatmap" and "<br>output %{customdata[2]" in t.hovertemplate]
        first = 0
        for i in range(net.depth):  # one hidden column per layer (and dropout's beside it at depth 1)
            data_ = np.asarray(columns[first].customdata)[:, 0]
            np.testing.assert_allclose(data_[:, 1], zs[i][k], atol=1e-5)
            np.testing.assert_allclose(data_[:, 2], outputs[names[i]][k], atol=1e-5)
            first += 2 if net.depth == 1 else 1
        np.testing.assert_allclose(fig.data[-2].x, outputs["logits"][k], atol=1e-5)


def test_node_link_edges_and_nodes_are_keras_numbers(stack, digits):
    m, net, outputs, zs, names = stack
    image = digits[0]
    acts = anatomy.layer_view(net, image).acts
    links = anatomy.node_link(net, acts)
    below = [outputs["flatten"][0]] + [outputs[n.replace("hidden", "dropout")][0] for n in names[:-1]]
    for gap, (layer, e) in enumerate(zip(model.dense_layers(m), links.edges, strict=True)):
        kernel = layer.get_weights()[0]
        np.testing.assert_allclose(e.contribution, kernel[e.src, e.dst] * below[gap][e.src], atol=1e-6)
    nodes = [t for t in layer_figures.node_link(net, acts, links).data
             if t.hovertemplate and "weighted input" in t.hovertemplate]
    assert len(nodes) == net.depth
    for i, trace in enumerate(nodes):
        data_ = np.asarray(trace.customdata)
        units = data_[:, 0].astype(int)
        np.testing.assert_allclose(data_[:, 3], zs[i][0][units], atol=1e-5)
        np.testing.assert_allclose(data_[:, 4], outputs[names[i]][0][units], atol=1e-5)


def test_composed_weights_add_up_to_keras_preactivations(stack, digits):
    m, net, outputs, zs, names = stack
    for k, image in enumerate(digits):
        for layer in range(net.depth):
            units = np.arange(0, net.widths[layer], 5)
            c = anatomy.composed_weights(net, image, layer, units)
            np.testing.assert_allclose(c.pixels.sum(axis=(1, 2)) + c.bias, zs[layer][k][units], atol=ATOL)


def _input_gradient(m, image, digit):
    x = tf.Variable(image[None])
    with tf.GradientTape() as tape:
        logit = m(x, training=False)[0, digit]
    return np.asarray(tape.gradient(logit, x))[0]


def test_contribution_map_sums_to_the_keras_logit_and_is_the_gradient_when_piecewise_linear(stack, digits):
    m, net, outputs, zs, names = stack
    for k, image in enumerate(digits):
        for digit in (0, 7):
            c = anatomy.contribution_map(net, image, digit)
            assert c.pixels.sum() + c.bias == pytest.approx(float(outputs["logits"][k, digit]), abs=ATOL)
            gradient = _input_gradient(m, image, digit)
            if net.activation in ("relu", "linear"):  # what the caption claims: the effective weights are the gradient
                np.testing.assert_allclose(c.effective_weights, gradient, atol=1e-5)
            else:  # and for sigmoid and tanh, that they are not
                assert np.abs(c.effective_weights - gradient).max() > 0.05 * np.abs(gradient).max()
                assert "not the gradient" in anatomy.contribution_meaning(net.activation)


@pytest.mark.parametrize("widths", [(128,), (256, 128), (128, 64, 32), (512, 512, 512, 512)])
def test_parameter_counts_equal_keras_model_summary(widths):
    m = model.build_model(widths)
    printed = io.StringIO()
    m.summary(print_fn=lambda line, **_: printed.write(line + "\n"))
    text = re.sub(r"\x1b\[[0-9;]*m", "", printed.getvalue())
    rows = anatomy.parameter_table(model.to_network(m))
    for row in rows:  # each layer's line of the summary names it and ends with its count
        line = next(line for line in text.splitlines() if f"{row.layer} ({row.kind})" in line)
        assert re.search(rf"\b{row.params:,}\b|\s{row.params}\s", line), line
    total = re.search(r"Total params: ([\d,]+)", text).group(1)
    assert f"{anatomy.total_params(rows):,}" == total
    expected = " + ".join(f"{a} × {b} + {b}" for a, b in zip((784, *widths), (*widths, 10), strict=True))
    assert eval(expected.replace("×", "*")) == m.count_params()  # noqa: S307 - the sums the page prints
    assert all(part in anatomy.parameter_sums(model.to_network(m)) for part in expected.split(" + ")[::2])
