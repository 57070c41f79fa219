"""Every number the Flatten, Layers and Weights pages show is Keras's own: compared with real TensorFlow.

Keras's intermediate outputs come from a probe model whose outputs are every layer's output
(inference mode), so nothing here trusts nnviz's numpy forward pass.
"""

import keras
import numpy as np
import pytest

from nnviz import anatomy, data, model, network
from nnviz.figures import layers as layer_figures
from tests.support import stacks

ATOL = 1e-5


def _random_model(width=48, activation="relu"):
    """Keras's own random initialisation, plus random biases (Keras starts them at 0, which would hide bias bugs)."""
    m = model.build_model(width, 0.3, activation, seed=7)
    rng = np.random.default_rng(7)
    for name in ("hidden", "logits"):
        kernel, bias = m.get_layer(name).get_weights()
        m.get_layer(name).set_weights([kernel, rng.normal(0, 0.2, bias.shape).astype(np.float32)])
    return m


MODELS = {"random": _random_model, "random-tanh": lambda: _random_model(activation="tanh"),
          "default": model.load_default_model}


@pytest.fixture(scope="module", params=list(MODELS))
def keras_model(request):
    return MODELS[request.param]()


@pytest.fixture(scope="module")
def digits():
    sample = data.load_sample()
    blank = np.zeros((1, 28, 28), np.float32)  # an empty digit is a valid input too
    return np.concatenate([data.as_float(sample.x_test[:12]), blank])


def keras_layers(m, images):
    """Every layer's output, as Keras computes it at inference, keyed by layer name."""
    names = [layer.name for layer in m.layers]
    probe = keras.Model(m.inputs, [m.get_layer(n).output for n in names])
    outputs = probe([images], training=False)
    return {name: np.asarray(o) for name, o in zip(names, outputs, strict=True)}


def keras_preactivation(m, images):
    """z = x·W1 + b1, computed by a Keras Dense layer with the hidden layer's weights and no activation."""
    hidden = m.get_layer("hidden")
    linear = keras.layers.Dense(hidden.units, activation=None)
    linear.build((None, 784))
    linear.set_weights(hidden.get_weights())
    return np.asarray(linear(keras.layers.Flatten()(images)))


def test_every_activation_on_the_layers_page_equals_keras(keras_model, digits):
    net = model.to_network(keras_model)
    expected = keras_layers(keras_model, digits)
    probs = np.asarray(keras.ops.softmax(expected["logits"]))
    z = keras_preactivation(keras_model, digits)
    for k, image in enumerate(digits):
        view = anatomy.layer_view(net, image)
        np.testing.assert_allclose(view.acts.inputs, expected["flatten"][k], atol=ATOL)
        np.testing.assert_allclose(view.acts.z, z[k], atol=ATOL)
        np.testing.assert_allclose(view.acts.hidden, expected["hidden"][k], atol=ATOL)
        np.testing.assert_allclose(view.acts.dropped, expected["dropout"][k], atol=ATOL)
        np.testing.assert_allclose(view.acts.logits, expected["logits"][k], atol=ATOL)
        np.testing.assert_allclose(view.acts.probs, probs[k], atol=ATOL)
        assert view.sparsity.silent == int(np.sum(expected["hidden"][k] == 0))


def test_the_plotted_values_are_keras_values(keras_model, digits):
    """Not just the arrays: the numbers inside the figures (what hover shows) are Keras's."""
    net = model.to_network(keras_model)
    expected = keras_layers(keras_model, digits[:3])
    z = keras_preactivation(keras_model, digits[:3])
    for k, image in enumerate(digits[:3]):
        view = anatomy.layer_view(net, image)
        fig = layer_figures.flow(view)
        inputs, hidden = fig.data[0], fig.data[1]
        np.testing.assert_allclose(np.asarray(inputs.z)[:, 0], expected["flatten"][k], atol=ATOL)
        np.testing.assert_allclose(np.asarray(hidden.customdata)[:, 0, 1], z[k], atol=ATOL)
        np.testing.assert_allclose(np.asarray(hidden.customdata)[:, 0, 2], expected["hidden"][k], atol=ATOL)
        logits, probs = fig.data[-2], fig.data[-1]
        np.testing.assert_allclose(logits.x, expected["logits"][k], atol=ATOL)
        np.testing.assert_allclose(probs.x, np.asarray(keras.ops.softmax(expected["logits"][k])), atol=ATOL)

        links = anatomy.node_link(net, view.acts)
        nodes = next(t for t in layer_figures.node_link(net, view.acts, links).data
                     if t.hovertemplate and "weighted input" in t.hovertemplate)
        data_ = np.asarray(nodes.customdata)
        units = data_[:, 0].astype(int)
        bias = keras_model.get_layer("hidden").get_weights()[1][units]
        np.testing.assert_allclose(data_[:, 1], z[k][units] - bias, atol=ATOL)  # weighted input w·x
        np.testing.assert_allclose(data_[:, 2], bias, atol=ATOL)
        np.testing.assert_allclose(data_[:, 4], expected["hidden"][k][units], atol=ATOL)


def test_flatten_index_mapping_is_keras_flatten():
    image = np.arange(784, dtype=np.float32).reshape(1, 28, 28) / 784  # every pixel unique
    flat = np.asarray(keras.layers.Flatten()(image))[0]
    rows, cols = np.indices((28, 28))
    np.testing.assert_array_equal(flat[anatomy.flat_index(rows, cols)], image[0])
    r, c = anatomy.pixel_of(np.arange(784))
    np.testing.assert_array_equal(image[0][r, c], flat)
    for row in (0, 13, 27):
        start, stop = anatomy.row_band(row)
        np.testing.assert_array_equal(flat[start:stop], image[0, row])


@pytest.mark.parametrize("width", [8, 128, 512, 1024, (64, 32), (128, 64, 32), (512, 256, 128, 64)])  # or widths
def test_parameter_table_equals_keras_summary(width):
    m = model.build_model(width)
    rows = anatomy.parameter_table(model.to_network(m))
    assert [r.layer for r in rows] == [layer.name for layer in m.layers]
    for row, layer in zip(rows, m.layers, strict=True):
        assert row.params == layer.count_params()
        assert row.kind == type(layer).__name__
        assert row.output_shape == str(tuple(layer.output.shape))
    assert anatomy.total_params(rows) == m.count_params()


def test_contribution_map_sums_to_the_keras_logit_minus_its_bias(keras_model, digits):
    net = model.to_network(keras_model)
    logits = keras_layers(keras_model, digits[:4])["logits"]
    for k, image in enumerate(digits[:4]):
        for digit in range(10):
            c = anatomy.contribution_map(net, image, digit)
            assert c.pixels.sum() == pytest.approx(c.logit - c.bias, abs=1e-9)  # exact, up to float64 rounding
            assert c.logit == pytest.approx(float(logits[k, digit]), abs=1e-4)
            assert c.output_bias == pytest.approx(float(net.b2[digit]))


def test_dropout_mask_scaling_matches_keras_training_mode(digits):
    m = _random_model(width=256)
    net = model.to_network(m)
    rate = m.get_layer("dropout").rate
    image = digits[:1]
    hidden = np.asarray(m.get_layer("hidden")(keras.layers.Flatten()(image)))
    dropped = np.asarray(m.get_layer("dropout")(hidden, training=True))  # Keras samples its own mask
    on = hidden[0] != 0
    kept = on & (dropped[0] != 0)
    assert 0 < kept.sum() < on.sum()  # the mask did drop some active units and kept others
    np.testing.assert_allclose(dropped[0][kept], hidden[0][kept] / (1 - rate), rtol=1e-6)
    mask = (kept | ~on).astype(np.float32)  # Keras's mask, read back (silent units: dropped or not, still 0)
    view = anatomy.layer_view(net, image[0], mask)
    np.testing.assert_allclose(view.acts.dropped, dropped[0], atol=ATOL)
    keras_logits = np.asarray(m.get_layer("logits")(dropped))[0]
    np.testing.assert_allclose(view.acts.logits, keras_logits, atol=ATOL)
    np.testing.assert_allclose(view.inference.logits, np.asarray(m(image, training=False))[0], atol=ATOL)
    c = anatomy.contribution_map(net, image[0], 3, mask)
    assert c.pixels.sum() + c.bias == pytest.approx(float(keras_logits[3]), abs=1e-4)


@pytest.mark.parametrize("activation", stacks.ACTIVATIONS)
@pytest.mark.parametrize("depth", list(stacks.STACKS))
def test_contribution_map_of_any_stack_sums_to_the_keras_logit(digits, depth, activation):
    m = stacks.random_stack(stacks.STACKS[depth], activation, seed=5)
    net = model.to_network(m)
    logits = stacks.keras_outputs(m, digits[:3])["logits"]
    masks = network.sample_dropout_masks(net, np.random.default_rng(2))
    for k, image in enumerate(digits[:3]):
        for digit in (0, 3, 9):
            c = anatomy.contribution_map(net, image, digit)
            assert c.pixels.sum() == pytest.approx(c.logit - c.bias, abs=1e-9)  # exact, up to float64 rounding
            assert c.logit == pytest.approx(float(logits[k, digit]), abs=1e-4)
            dropped = anatomy.contribution_map(net, image, digit, masks)  # training mode, a mask per layer
            assert dropped.pixels.sum() + dropped.bias == pytest.approx(
                float(network.forward(net, image, masks, dtype=np.float64).logits[digit]), abs=1e-9)

