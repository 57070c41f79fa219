"""The forward walkthrough's arithmetic equals the numpy forward pass and Keras's own intermediate outputs."""

import keras
import numpy as np
import pytest

from nnviz import data, model, network, walkthrough
from tests.support import stacks
from tests.test_teach import keras_model


def keras_layers(net, images, dtype="float64"):
    """Keras's outputs of the hidden and logits layers, read from the real model (inference mode).

    In float64 they are exact to ~1e-12; the app's float32 model is within float32 rounding (~1e-5).
    """
    m = keras_model(net, dtype)
    probe = keras.Model(m.inputs, [m.get_layer("hidden").output, m.get_layer("logits").output])
    hidden, logits = probe([images], training=False)
    return np.asarray(hidden), np.asarray(logits)


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4])
def test_walkthrough_equals_forward_and_keras(sample, default_net, index):
    image = data.as_float(sample.x_test[index])
    acts = network.forward(default_net, image)
    keras_hidden, keras_logits = keras_layers(default_net, image[None])
    steps = walkthrough.walk(default_net, image)
    j = steps.neuron.neuron
    # Keras's own intermediate outputs, computed in float64: equal to rounding.
    assert steps.neuron.output == pytest.approx(float(keras_hidden[0, j]), abs=1e-9)
    np.testing.assert_allclose(steps.hidden, keras_hidden[0], atol=1e-9)
    np.testing.assert_allclose(steps.logits, keras_logits[0], atol=1e-9)
    np.testing.assert_allclose(steps.probs, keras.ops.convert_to_numpy(keras.ops.softmax(keras_logits[0])), atol=1e-12)
    # The app's float32 model and the numpy forward pass every page shows: equal to float32 rounding.
    app_hidden, app_logits = keras_layers(default_net, image[None], "float32")
    np.testing.assert_allclose(steps.hidden, app_hidden[0], atol=1e-5)
    np.testing.assert_allclose(steps.logits, app_logits[0], atol=1e-4)
    assert steps.neuron.z == pytest.approx(float(acts.z[j]), abs=1e-5)
    np.testing.assert_allclose(steps.hidden, acts.hidden, atol=1e-5)
    np.testing.assert_allclose(steps.probs, acts.probs, atol=1e-6)
    # The arithmetic adds up as shown.
    assert steps.neuron.dot + steps.neuron.bias == pytest.approx(steps.neuron.z, abs=1e-12)
    np.testing.assert_allclose(steps.logit_dots + steps.logit_biases, steps.logits, atol=1e-12)
    np.testing.assert_allclose(steps.exps / steps.exps.sum(), steps.probs, atol=1e-15)
    assert steps.prediction == acts.prediction
    assert steps.exps.max() == 1.0 and steps.probs.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_every_neuron_of_any_activation_matches(sample, activation):
    net = model.to_network(model.build_model(16, activation=activation, seed=1))
    image = data.as_float(sample.x_test[9])
    acts = network.forward(net, image)
    keras_hidden, _ = keras_layers(net, image[None])
    for j in range(net.width):
        s = walkthrough.neuron_sum(net, image, j)
        assert s.z == pytest.approx(float(acts.z[j]), abs=1e-5)
        assert s.output == pytest.approx(float(keras_hidden[0, j]), abs=1e-9)
        assert s.products.sum() == pytest.approx(s.dot)
        np.testing.assert_array_equal(s.weights, net.w1[:, j].astype(np.float64))


def test_default_neuron_adds_most_to_the_winning_logit(sample, default_net):
    image = data.as_float(sample.x_test[0])
    steps = walkthrough.walk(default_net, image)
    shares = walkthrough.contributions(default_net, steps.hidden, steps.prediction)
    assert steps.neuron.neuron == int(np.argmax(shares)) and shares.max() > 0
    assert shares.sum() == pytest.approx(steps.logit_dots[steps.prediction])
    assert walkthrough.walk(default_net, image, neuron=5).neuron.neuron == 5


def test_only_inked_pixels_count(sample, default_net):
    image = data.as_float(sample.x_test[0])
    s = walkthrough.neuron_sum(default_net, image, 0)
    assert s.ink == int((image > 0).sum())
    assert not s.products[s.inputs == 0].any()
    top = s.top_pixels(5)
    assert len(top) == 5 and all(x > 0 for _, x, _, _ in top)
    assert abs(top[0][3]) == np.abs(s.products).max()


def test_bad_neuron_is_rejected(default_net):
    with pytest.raises(ValueError):
        walkthrough.neuron_sum(default_net, np.zeros((28, 28)), default_net.width)


@pytest.mark.parametrize("depth", list(stacks.STACKS))
def test_walkthrough_of_any_stack_equals_keras(sample, depth):
    m = stacks.random_stack(stacks.STACKS[depth], "tanh", seed=4)
    net = model.to_network(m)
    image = data.as_float(sample.x_test[2])
    expected = stacks.keras_outputs(m, image[None])
    steps = walkthrough.walk(net, image)
    np.testing.assert_allclose(steps.hidden, expected[network.hidden_names(net.depth)[0]][0], atol=1e-5)
    np.testing.assert_allclose(steps.logits, expected["logits"][0], atol=1e-5)
    np.testing.assert_allclose(steps.logit_dots + steps.logit_biases, steps.logits, atol=1e-12)
    np.testing.assert_allclose(steps.probs, np.asarray(keras.ops.softmax(expected["logits"][0])), atol=1e-6)


@pytest.mark.parametrize("depth", list(stacks.STACKS))
def test_default_neuron_is_the_strongest_voter_through_the_whole_stack(sample, depth):
    """Its vote is ∂logit/∂output, as tf.GradientTape computes it through the layers above."""
    import tensorflow as tf

    m = stacks.random_stack(stacks.STACKS[depth], "sigmoid", seed=8)
    net = model.to_network(m)
    image = data.as_float(sample.x_test[4])
    steps = walkthrough.walk(net, image)
    first = tf.Variable(stacks.keras_outputs(m, image[None])[network.hidden_names(net.depth)[0]])
    with tf.GradientTape() as tape:
        a = first
        for layer in model.dense_layers(m)[1:]:
            a = layer(a)
        logit = a[0, steps.prediction]
    keras_votes = np.asarray(tape.gradient(logit, first))[0]
    acts = network.forward(net, image, dtype=np.float64)
    np.testing.assert_allclose(network.votes(net, acts, steps.prediction), keras_votes, atol=1e-5)
    assert steps.neuron.neuron == int(np.argmax(steps.hidden * keras_votes))
