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


DEEP = {**stacks.STACKS, "4 layers": (36, 28, 20, 12)}  # depth 1 to 4


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
@pytest.mark.parametrize("depth", list(DEEP))
def test_any_neuron_of_any_layer_equals_keras_layer_outputs(sample, depth, activation):
    """z = w·a + b and the activation, for every neuron of every Dense layer (the output's logits too), equal
    Keras's own outputs of that layer; a layer's inputs are the outputs of the layer below."""
    m = stacks.random_stack(DEEP[depth], activation, seed=6)
    net = model.to_network(m)
    image = data.as_float(sample.x_test[7])
    outputs = stacks.keras_outputs(m, image[None])
    zs = stacks.keras_preactivations(m, image[None])
    names = [*network.hidden_names(net.depth), "logits"]
    for layer, name in enumerate(names):
        below = image.reshape(-1) if layer == 0 else outputs[names[layer - 1]][0]
        for j in range(walkthrough.layer_widths(net)[layer]):
            s = walkthrough.neuron_sum(net, image, j, layer)
            assert s.layer == layer and s.z == pytest.approx(float(zs[layer][0, j]), abs=1e-5)
            assert s.output == pytest.approx(float(outputs[name][0, j]), abs=1e-5)
            np.testing.assert_allclose(s.inputs, below, atol=1e-5)  # what it multiplies: the layer below's outputs
            np.testing.assert_array_equal(s.weights, net.kernels[layer][:, j].astype(np.float64))
            assert s.dot + s.bias == pytest.approx(s.z, abs=1e-12) and s.products.sum() == pytest.approx(s.dot)
        assert s.is_logit == (layer == net.depth) and s.from_pixels == (layer == 0)
    steps = walkthrough.walk(net, image, 3, layer=net.depth)
    assert steps.neuron.output == pytest.approx(steps.logits[3], abs=1e-12) and len(steps.hiddens) == net.depth
    for hidden, name in zip(steps.hiddens, names, strict=False):
        np.testing.assert_allclose(hidden, outputs[name][0], atol=1e-5)


@pytest.mark.parametrize("layer", [0, 1, 2, 3])
def test_each_layers_default_neuron_is_its_strongest_voter_by_gradient_tape(sample, layer):
    import tensorflow as tf

    m = stacks.random_stack(DEEP["4 layers"], "tanh", seed=9)
    net = model.to_network(m)
    image = data.as_float(sample.x_test[5])
    steps = walkthrough.walk(net, image, layer=layer)
    dense = model.dense_layers(m)
    start = tf.Variable(stacks.keras_outputs(m, image[None])[network.hidden_names(4)[layer]])
    with tf.GradientTape() as tape:
        a = start
        for above in dense[layer + 1:]:
            a = above(a)
        logit = a[0, steps.prediction]
    keras_votes = np.asarray(tape.gradient(logit, start))[0]
    acts = network.forward(net, image, dtype=np.float64)
    np.testing.assert_allclose(walkthrough.layer_votes(net, acts, steps.prediction, layer), keras_votes, atol=1e-5)
    assert steps.neuron.layer == layer and steps.neuron.neuron == int(np.argmax(steps.hiddens[layer] * keras_votes))
    assert walkthrough.walk(net, image, layer=4).neuron.neuron == steps.prediction  # an output neuron: the winner


def test_layer_names_and_bad_layers(default_net):
    deep = model.to_network(stacks.random_stack(DEEP["3 layers"], "relu"))
    assert [walkthrough.layer_name(deep, i) for i in range(4)] == [
        "hidden layer 1", "hidden layer 2", "hidden layer 3", "output layer"]
    assert [walkthrough.layer_name(default_net, i) for i in range(2)] == ["hidden layer", "output layer"]
    assert walkthrough.layer_widths(deep) == (40, 20, 16, 10)
    with pytest.raises(ValueError, match="hidden layer 2 has neurons 0 to 19"):
        walkthrough.neuron_sum(deep, np.zeros((28, 28)), 20, layer=1)
    with pytest.raises(ValueError, match="layers 0 to 3"):
        walkthrough.neuron_sum(deep, np.zeros((28, 28)), 0, layer=4)


def test_logit_caption_names_the_picked_neurons_share_only_from_the_last_hidden_layer(sample):
    net = model.to_network(stacks.random_stack(DEEP["2 layers"], "relu", seed=2))
    image = data.as_float(sample.x_test[0])
    last = walkthrough.walk(net, image, layer=1)
    share = walkthrough.contributions(net, last.last_hidden, last.prediction)[last.neuron.neuron]
    assert f"= {share:+.4f} to the score of {last.prediction}" in walkthrough.logit_caption(net, last)
    assert "sums the 24 last hidden layer's outputs" in walkthrough.logit_caption(net, last)
    first = walkthrough.walk(net, image, layer=0)
    assert "only through the layers above" in walkthrough.logit_caption(net, first)
    assert "adds" not in walkthrough.logit_caption(net, walkthrough.walk(net, image, layer=2))


def test_the_shown_formulas_and_words_follow_the_neurons_layer(sample):
    net = model.to_network(stacks.random_stack(DEEP["2 layers"], "relu", seed=2))
    image = data.as_float(sample.x_test[0])
    first, second, logit = (walkthrough.walk(net, image, 1, layer).neuron for layer in range(3))
    assert first.columns == ["pixel", "x", "w", "x × w"] and second.columns == ["neuron", "h", "w", "h × w"]
    assert r"\mathbf{x}" in walkthrough.sum_latex(first) and r"\mathbf{h}" in walkthrough.sum_latex(second)
    assert walkthrough.sum_latex(second).endswith(f"= {second.z:.4f}\\end{{aligned}}")
    assert r"\mathrm{logit}_{1} &=" in walkthrough.sum_latex(logit)
    steps = walkthrough.walk(net, image)
    k = steps.prediction
    assert f"&= {steps.logit_dots[k]:.4f} {steps.logit_biases[k]:+.4f} = {steps.logits[k]:.4f}" in \
        walkthrough.logit_latex(steps)
    assert f"= {steps.probs[k]:.6f}" in walkthrough.softmax_latex(steps)
    assert f"m &= \\max_j \\mathrm{{logit}}_j = {steps.logits.max():.4f}" in walkthrough.softmax_latex(steps)
    assert walkthrough.output_latex(logit) is None
    assert walkthrough.output_latex(second).endswith(f"= {second.output:.4f}")
    assert "784 pixels" in walkthrough.neuron_caption(net, first)
    said = walkthrough.neuron_caption(net, second)
    assert "Neuron 1 of hidden layer 2 multiplies" in said and "48 outputs h of hidden layer 1" in said
    assert f"Only the {second.ink} that are not 0" in said and "ReLU" in said
    assert "softmax" in walkthrough.neuron_caption(net, logit)


def test_layers_caption_counts_the_neurons_that_fire_in_every_hidden_layer(sample, default_net):
    image = data.as_float(sample.x_test[0])
    one = walkthrough.walk(default_net, image)
    assert f"All 128 hidden neurons do the same sum with their own weights; {int((one.hidden > 0).sum())} fire" \
        in walkthrough.layers_caption(default_net, one)
    net = model.to_network(stacks.random_stack(DEEP["3 layers"], "relu", seed=2))
    deep = walkthrough.walk(net, image, 4, layer=1)
    said = walkthrough.layers_caption(net, deep)
    fired = [int((h > 0).sum()) for h in network.forward(net, image).hiddens]
    assert f"{fired[0]} of 40 in hidden layer 1, {fired[1]} of 20 in hidden layer 2, {fired[2]} of 16" in said
    assert f"Neuron 4 of hidden layer 2 (white) outputs {deep.neuron.output:.4f}." in said
    assert "step 3" in walkthrough.layers_caption(net, walkthrough.walk(net, image, 4, layer=3))


def test_layers_caption_counts_no_fired_neurons_for_activations_that_are_never_silent(sample):
    net = model.to_network(stacks.random_stack(DEEP["2 layers"], "sigmoid", seed=2))
    said = walkthrough.layers_caption(net, walkthrough.walk(net, data.as_float(sample.x_test[0]), 3, layer=0))
    assert "With sigmoid no neuron is silent" in said and "fire" not in said
    assert "Neuron 3 of hidden layer 1 (white)" in said
