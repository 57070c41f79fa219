"""The numpy network equals the Keras model it mirrors, and the parameter counts are Keras's."""

from pathlib import Path

import keras
import numpy as np
import pytest

from nnviz import data, model, network
from tests.support import stacks

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def digits():
    return data.as_float(data.load_sample().x_test[:64])


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_forward_equals_keras_inference(digits, activation):
    keras_model = model.build_model(48, 0.3, activation, seed=3)
    net = model.to_network(keras_model)
    expected = keras_model(digits, training=False).numpy()
    got = np.stack([network.forward(net, d).logits for d in digits])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(network.predict_proba(net, digits), network.softmax(expected), atol=1e-6)


def test_default_model_round_trips_through_network(digits):
    keras_model = model.load_default_model()
    net = model.to_network(keras_model)
    again = model.from_network(net)
    np.testing.assert_array_equal(again(digits, training=False).numpy(), keras_model(digits, training=False).numpy())


@pytest.mark.parametrize("width", [8, 128, 256, 1024])
def test_parameter_counts_equal_keras(width):
    keras_model = model.build_model(width)
    keras_counts = [(layer.name, layer.count_params()) for layer in keras_model.layers]
    assert model.to_network(keras_model).param_counts() == keras_counts


def test_course_numbers_for_width_256():
    counts = dict(model.to_network(model.build_model(256)).param_counts())
    assert counts["hidden"] == 200_960 and counts["logits"] == 2_570  # 2,560 weights + 10 biases


def test_flatten_is_row_major():
    image = np.arange(784, dtype=np.float32).reshape(28, 28)
    flat = network.flatten(image)
    for row, col in [(0, 0), (0, 27), (1, 0), (13, 7), (27, 27)]:
        assert flat[28 * row + col] == image[row, col]


def test_dropout_mask_scales_survivors():
    net = model.to_network(model.build_model(32, 0.5, seed=1))
    image = data.as_float(data.load_sample().x_test[0])
    mask = network.sample_dropout_mask(32, 0.5, np.random.default_rng(0))
    acts = network.forward(net, image, mask)
    np.testing.assert_allclose(acts.dropped, acts.hidden * mask * 2.0)


def test_weights_are_read_only_snapshots():
    net = model.to_network(model.build_model(8))
    with pytest.raises(ValueError):
        net.w1[0, 0] = 1.0


# --- Any stack of Dense layers: 1, 2 and 3 hidden layers, every activation, against real Keras and TensorFlow ---

STACK_IDS = list(stacks.STACKS)


@pytest.fixture(scope="module")
def few(digits):
    blank = np.zeros((1, 28, 28), np.float32)  # an empty digit is a valid input too
    return np.concatenate([digits[:7], blank])


@pytest.mark.parametrize("activation", stacks.ACTIVATIONS)
@pytest.mark.parametrize("depth", STACK_IDS)
def test_forward_of_any_stack_equals_keras_layer_by_layer(few, depth, activation):
    m = stacks.random_stack(stacks.STACKS[depth], activation, seed=len(depth))
    net = model.to_network(m)
    expected = stacks.keras_outputs(m, few)
    acts = network.forward(net, few)
    assert net.widths == stacks.STACKS[depth] and net.depth == len(net.widths)
    np.testing.assert_allclose(acts.inputs, expected["flatten"], atol=1e-6)
    for z, keras_z in zip(acts.zs, stacks.keras_preactivations(m, few), strict=True):
        np.testing.assert_allclose(z, keras_z, atol=1e-5)
    for i, (hidden, dropped) in enumerate(zip(acts.hiddens, acts.drops, strict=True)):
        name, drop_name = network.hidden_names(net.depth)[i], network.dropout_names(net.depth)[i]
        np.testing.assert_allclose(hidden, expected[name], atol=1e-5)
        np.testing.assert_allclose(dropped, expected[drop_name], atol=1e-5)
    np.testing.assert_allclose(acts.logits, expected["logits"], atol=1e-5)
    np.testing.assert_allclose(acts.probs, np.asarray(keras.ops.softmax(expected["logits"])), atol=1e-6)
    # One digit at a time gives the same as the batch, and float64 agrees to float32 rounding.
    single = network.forward(net, few[3])
    np.testing.assert_allclose(single.logits, acts.logits[3], atol=1e-5)
    np.testing.assert_allclose(network.forward(net, few, dtype=np.float64).logits, expected["logits"], atol=1e-4)


@pytest.mark.parametrize("activation", stacks.ACTIVATIONS)
@pytest.mark.parametrize("depth", STACK_IDS)
def test_backward_of_any_stack_equals_gradient_tape(few, sample, depth, activation):
    m = stacks.random_stack(stacks.STACKS[depth], activation, seed=10 + len(depth))
    net = model.to_network(m)
    labels = sample.y_test[:len(few)].astype(np.int64)
    keras_grads, keras_input_grad = stacks.tape_gradients(m, few, labels)
    acts = network.forward(net, few, dtype=np.float64)
    grads = network.backward(net, acts, network.loss_gradient(acts, labels))
    ours = [a for pair in zip(grads.kernels, grads.biases, strict=True) for a in pair]
    assert len(ours) == len(keras_grads) == 2 * (net.depth + 1)
    for got, expected in zip(ours, keras_grads, strict=True):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-6 * max(1.0, np.abs(expected).max()))
    np.testing.assert_allclose(grads.inputs(net).reshape(keras_input_grad.shape), keras_input_grad,
                               atol=1e-6 * max(1.0, np.abs(keras_input_grad).max()))
    assert max(np.abs(g).max() for g in ours) > 1e-4  # a real, non-zero gradient was compared


@pytest.mark.parametrize("depth", STACK_IDS)
def test_backward_through_dropout_masks_equals_gradient_tape(few, sample, depth):
    m = stacks.random_stack(stacks.STACKS[depth], "tanh", dropout=0.4, seed=3)
    net = model.to_network(m)
    rng = np.random.default_rng(1)
    masks = network.sample_dropout_masks(net, rng)
    labels = sample.y_test[:len(few)].astype(np.int64)
    keras_grads, _ = stacks.tape_gradients(m, few, labels, masks, net.dropout)
    acts = network.forward(net, few, masks, dtype=np.float64)
    grads = network.backward(net, acts, network.loss_gradient(acts, labels))
    for got, expected in zip([a for p in zip(grads.kernels, grads.biases, strict=True) for a in p], keras_grads,
                             strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-6 * max(1.0, np.abs(expected).max()))


def test_one_digit_gradient_is_the_cross_entropy_gradient(sample):
    """For one digit (no batch axis) the loss is not averaged: ∂loss/∂logits = p − one-hot."""
    net = model.to_network(stacks.random_stack((16, 8), "sigmoid"))
    image, label = data.as_float(sample.x_test[5]), 4
    acts = network.forward(net, image, dtype=np.float64)
    d = network.loss_gradient(acts, label)
    np.testing.assert_allclose(d, acts.probs - np.eye(10)[label], atol=1e-15)
    grads = network.backward(net, acts, d)
    batch = network.forward(net, image[None], dtype=np.float64)
    batched = network.backward(net, batch, network.loss_gradient(batch, [label]))
    for a, b in zip((*grads.kernels, *grads.biases), (*batched.kernels, *batched.biases), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-15)
    assert network.cross_entropy(acts.logits, label) == pytest.approx(-np.log(acts.probs[label]))


@pytest.mark.parametrize("widths", [(8,), (64, 32), (128, 64, 32), (512, 512, 512, 512)])
def test_parameter_counts_of_any_stack_equal_keras(widths):
    keras_model = model.build_model(widths, 0.1, "sigmoid")
    net = model.to_network(keras_model)
    keras_counts = [(layer.name, layer.count_params()) for layer in keras_model.layers]
    assert net.param_counts() == keras_counts
    assert sum(count for _, count in net.param_counts()) == keras_model.count_params()


def test_stacks_round_trip_through_keras_bit_for_bit(few):
    net = model.to_network(stacks.random_stack((20, 12, 6), "relu", seed=2))
    again = model.to_network(model.from_network(net))
    assert again.widths == (20, 12, 6)
    for a, b in zip(net.arrays(), again.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(network.forward(net, few).logits, network.forward(again, few).logits)


@pytest.mark.parametrize("bad", [
    lambda: network.Network.of(np.zeros((784, 8)), np.zeros(8), np.zeros((9, 10)), np.zeros(10)),  # 8 ≠ 9
    lambda: network.Network.of(np.zeros((784, 8)), np.zeros(8), np.zeros((8, 5)), np.zeros(5)),    # not 10 logits
    lambda: network.Network.of(np.zeros((784, 10)), np.zeros(10)),                                   # no hidden layer
    lambda: network.Network.of(np.zeros((784, 8)), np.zeros(8), np.zeros((8, 10))),                 # odd count
    lambda: network.Network.of(np.zeros((784, 8)), np.zeros(8), np.zeros((8, 10)), np.zeros(10), activation="elu"),
])
def test_shapes_that_do_not_chain_are_refused(bad):
    with pytest.raises(ValueError):
        bad()


def test_the_package_has_one_softmax_and_one_forward_pass():
    """Every page's numbers come from network.forward and network.softmax: no module writes its own."""
    sources = {path.relative_to(ROOT).as_posix(): path.read_text() for path in (ROOT / "nnviz").rglob("*.py")}
    assert [name for name, text in sources.items() if "np.exp(" in text] == ["nnviz/network.py"]
    assert sum(text.count("def softmax(") + text.count("def forward(") for text in sources.values()) == 2
