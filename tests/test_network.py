"""The numpy network equals the Keras model it mirrors, and the parameter counts are Keras's."""

import numpy as np
import pytest

from nnviz import data, model, network


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
