"""The Keras model: build, compile, load the pretrained default, and convert to/from Network."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of the app

import keras  # noqa: E402
import numpy as np  # noqa: E402

from nnviz.data import DEFAULT_MODEL_FILE, asset_path  # noqa: E402, F401 - re-exported
from nnviz.network import Network  # noqa: E402

LAYER_NAMES = ("flatten", "hidden", "dropout", "logits")


def build_model(width: int = 128, dropout: float = 0.2, activation: str = "relu",
                learning_rate: float = 1e-3, seed: int | None = None,
                steps_per_execution: int = 1) -> keras.Model:
    """The beginner network, compiled with Adam and cross-entropy on logits.

    A seed fixes the initial weights and the dropout masks through the layers' own seeds, never
    through keras.utils.set_random_seed: that would reseed every session's random generators.
    """
    def glorot(offset: int):
        return keras.initializers.GlorotUniform(None if seed is None else seed + offset)

    model = keras.Sequential([
        keras.Input((28, 28), name="digit"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(width, activation=activation, kernel_initializer=glorot(0), name="hidden"),
        keras.layers.Dropout(dropout, seed=seed, name="dropout"),
        keras.layers.Dense(10, kernel_initializer=glorot(1), name="logits"),
    ], name="mnist_beginner")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], steps_per_execution=steps_per_execution)
    return model


def to_network(model: keras.Model) -> Network:
    """An immutable numpy snapshot of a model's weights (copies, so training can go on)."""
    hidden, logits = model.get_layer("hidden"), model.get_layer("logits")
    w1, b1 = (np.array(v, dtype=np.float32) for v in hidden.get_weights())
    w2, b2 = (np.array(v, dtype=np.float32) for v in logits.get_weights())
    return Network(w1, b1, w2, b2, activation=keras.activations.serialize(hidden.activation),
                   dropout=float(model.get_layer("dropout").rate))


def from_network(net: Network, learning_rate: float = 1e-3) -> keras.Model:
    """A fresh Keras model holding exactly the given weights."""
    model = build_model(net.width, net.dropout, net.activation, learning_rate)
    model.get_layer("hidden").set_weights([net.w1, net.b1])
    model.get_layer("logits").set_weights([net.w2, net.b2])
    return model


def load_default_model() -> keras.Model:
    """The pretrained width-128 model shipped in nnviz/assets (trained by scripts/train_default.py)."""
    # compile=False: only the weights matter here, and it skips restoring optimizer state.
    return keras.models.load_model(asset_path(DEFAULT_MODEL_FILE), compile=False, safe_mode=True)


def keras_param_counts(model: keras.Model) -> list[tuple[str, int]]:
    return [(layer.name, int(layer.count_params())) for layer in model.layers]
