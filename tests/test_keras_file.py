"""The TensorFlow-free .keras reader gives exactly what Keras loads."""

import subprocess
import sys

import numpy as np
import pytest

from nnviz import data, keras_file, model, model_io


def assert_same(a, b):
    for x, y in [(a.w1, b.w1), (a.b1, b.b1), (a.w2, b.w2), (a.b2, b.b2)]:
        np.testing.assert_array_equal(x, y)
    assert (a.activation, a.dropout) == (b.activation, b.dropout)


def test_shipped_default_model_reads_exactly_as_keras_loads_it():
    path = data.asset_path(model.DEFAULT_MODEL_FILE)
    assert_same(keras_file.read_network(path), model.to_network(model.load_default_model()))


@pytest.mark.parametrize("width, rate, activation", [(8, 0.0, "tanh"), (300, 0.5, "sigmoid")])
def test_any_saved_beginner_network_reads_exactly(tmp_path, width, rate, activation):
    net = model.to_network(model.build_model(width, rate, activation, seed=4))
    path = tmp_path / "m.keras"
    path.write_bytes(model_io.keras_bytes(net))
    assert_same(keras_file.read_network(path), net)


def test_reading_does_not_import_tensorflow():
    code = ("import sys; from nnviz import data, keras_file; "
            "keras_file.read_network(data.asset_path('default_model.keras')); "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_other_architectures_are_refused(tmp_path):
    import keras

    other = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    path = tmp_path / "other.keras"
    other.save(path)
    with pytest.raises(ValueError, match="not the beginner network"):
        keras_file.read_network(path)


@pytest.mark.parametrize("widths, activation", [((64, 32), "relu"), ((40, 20, 16), "linear"), ((8,) * 11, "sigmoid")])
def test_any_saved_stack_reads_exactly_in_layer_order(tmp_path, widths, activation):
    """Eleven hidden layers too: Keras's weight groups dense_10 and dense_2 must come in layer order, not text order."""
    net = model.to_network(model.build_model(widths, 0.3, activation, seed=6))
    path = tmp_path / "m.keras"
    path.write_bytes(model_io.keras_bytes(net))
    read = keras_file.read_network(path)
    assert read.widths == widths
    for a, b in zip(read.arrays(), net.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert (read.activation, read.dropout) == (activation, pytest.approx(0.3))
