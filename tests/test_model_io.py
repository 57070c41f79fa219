"""Model files: a good .keras round-trips; hostile or unfitting files are refused clearly."""

import io
import os
import zipfile

import keras
import numpy as np
import pytest

from nnviz import model, model_io


def saved(m: keras.Model, tmp_path) -> bytes:
    path = os.path.join(tmp_path, "m.keras")
    m.save(path)
    with open(path, "rb") as file:
        return file.read()


def test_download_then_upload_round_trips_bit_for_bit():
    net = model.to_network(model.build_model(24, 0.3, "tanh", seed=2))
    again = model_io.network_from_keras_bytes(model_io.keras_bytes(net))
    for a, b in [(net.w1, again.w1), (net.b1, again.b1), (net.w2, again.w2), (net.b2, again.b2)]:
        np.testing.assert_array_equal(a, b)
    assert (again.activation, again.dropout) == ("tanh", pytest.approx(0.3))


def test_flat_784_input_and_softmax_output_are_accepted(tmp_path):
    m = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16, activation="sigmoid"),
                          keras.layers.Dense(10, activation="softmax")])
    net = model_io.network_from_keras_bytes(saved(m, tmp_path))
    assert net.width == 16 and net.dropout == 0.0


def test_lambda_layer_is_refused_and_its_code_never_runs(tmp_path):
    marker = tmp_path / "ran"
    m = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                          keras.layers.Lambda(lambda x: x * 2.0), keras.layers.Dense(10)])
    data = saved(m, tmp_path)
    with pytest.raises(model_io.BadModel, match="custom code"):
        model_io.network_from_keras_bytes(data)
    assert not marker.exists()


@pytest.mark.parametrize("build, message", [
    (lambda: keras.Sequential([keras.Input((32, 32)), keras.layers.Flatten(), keras.layers.Dense(8),
                               keras.layers.Dense(10)]), "input of shape"),
    (lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(5)]), "5 outputs"),
    (lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                               *[keras.layers.Dense(8) for _ in range(5)], keras.layers.Dense(10)]),
     "5 hidden Dense layers"),
    (lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)]),
     "no hidden layer"),
    (lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(8),
                               keras.layers.BatchNormalization(), keras.layers.Dense(10)]),
     "a BatchNormalization layer"),
    (lambda: keras.Sequential([keras.Input((784,)), keras.layers.Reshape((28, 28, 1)), keras.layers.Conv2D(2, 3),
                               keras.layers.Flatten(), keras.layers.Dense(8), keras.layers.Dense(10)]),
     "a Reshape layer and a Conv2D layer"),
    (lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dropout(0.2),
                               keras.layers.Dense(8), keras.layers.Dense(10)]), "in an order nnviz does not show"),
    (lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(8, activation="elu"),
                               keras.layers.Dense(10)]), "use 'elu'; nnviz shows relu, sigmoid, tanh or linear"),
    (lambda: keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                               keras.layers.Dense(10)]), "input of shape"),
])
def test_models_of_another_shape_are_refused(build, message, tmp_path):
    with pytest.raises(model_io.BadModel, match=message):
        model_io.network_from_keras_bytes(saved(build(), tmp_path))


def test_corrupt_zip_and_non_zip_are_refused():
    good = model_io.keras_bytes(model.to_network(model.build_model(8)))
    with pytest.raises(model_io.BadModel, match="not a valid zip"):
        model_io.network_from_keras_bytes(b"PK\x03\x04 broken" + good[10:200])
    with pytest.raises(model_io.BadModel, match="not a valid zip"):
        model_io.network_from_keras_bytes(b"hello")
    with pytest.raises(model_io.BadModel):
        model_io.network_from_keras_bytes(good[: len(good) // 2])  # truncated


def test_zip_without_a_model_and_zip_bomb_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(model_io.BadModel, match="no config.json"):
        model_io.network_from_keras_bytes(buffer.getvalue())
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b"\0" * (model_io.MAX_UNZIPPED_BYTES + 1))
    assert len(bomb.getvalue()) < model_io.MAX_MODEL_BYTES
    with pytest.raises(model_io.BadModel, match="unpacks"):
        model_io.network_from_keras_bytes(bomb.getvalue())


def test_oversized_upload_is_refused_before_reading():
    with pytest.raises(model_io.BadModel, match="MB"):
        model_io.network_from_keras_bytes(b"\0" * (model_io.MAX_MODEL_BYTES + 1))


@pytest.mark.parametrize("widths", [(32, 16), (24, 16, 8)])
def test_any_dense_stack_is_read_when_the_views_allow_its_depth(tmp_path, widths):
    net = model.to_network(model.build_model(widths, 0.2, "linear", seed=1))
    loaded = keras.models.load_model(_saved_path(net, tmp_path), compile=False, safe_mode=True)
    read = model_io.network_from_model(loaded, max_depth=4, activations=("relu", "sigmoid", "tanh", "linear"))
    assert read.widths == widths and read.activation == "linear"
    for a, b in zip(read.arrays(), net.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(model_io.BadModel, match="3 hidden Dense layers, more than 2"):
        model_io.network_from_model(keras.models.load_model(_saved_path(model.to_network(
            model.build_model((8, 8, 8))), tmp_path), compile=False, safe_mode=True), max_depth=2)


@pytest.mark.parametrize(("widths", "activation", "dropout"), [
    ((128,), "relu", 0.2), ((32, 16), "sigmoid", 0.0), ((24, 16, 8), "tanh", 0.5), ((16, 16, 8, 8), "linear", 0.2)])
def test_uploads_of_one_to_four_hidden_layers_are_accepted_exactly(widths, activation, dropout):
    net = model.to_network(model.build_model(widths, dropout, activation, seed=3))
    read = model_io.network_from_keras_bytes(model_io.keras_bytes(net))
    assert (read.widths, read.activation, read.dropout) == (widths, activation, pytest.approx(dropout))
    for a, b in zip(read.arrays(), net.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_deep_stack_without_dropout_or_flatten_is_accepted(tmp_path):
    m = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(12, activation="relu"), keras.layers.Dropout(0.25),
                          keras.layers.Dense(10, activation="softmax")])
    net = model_io.network_from_keras_bytes(saved(m, tmp_path))
    assert net.widths == (16, 12) and net.dropout == 0.25


def _saved_path(net, tmp_path):
    path = os.path.join(tmp_path, "stack.keras")
    with open(path, "wb") as file:
        file.write(model_io.keras_bytes(net))
    return path


@pytest.mark.parametrize("build, message", [
    (lambda: keras.Sequential([keras.Input((784,)), keras.layers.Dense(16, activation="relu"),
                               keras.layers.Dropout(0.1), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dropout(0.3),
                               keras.layers.Dense(10)]), "different rates"),
    (lambda: keras.Sequential([keras.Input((784,)), keras.layers.Dense(16, activation="relu"),
                               keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(10)]),
     "different activations"),
    (lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Dense(16, activation="relu"),
                               keras.layers.Dense(10)]), "input of shape|do not chain"),
])
def test_stacks_the_views_cannot_show_are_refused_with_what_was_found(build, message, tmp_path):
    with pytest.raises(model_io.BadModel, match=message):
        model_io.network_from_model(build(), max_depth=4)
