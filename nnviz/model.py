"""The Keras model: build any stack of Dense layers, load the pretrained default, convert to and from Network."""

from __future__ import annotations

from nnviz import environment

environment.apply(environment.QUIET)  # before Keras loads TensorFlow

from collections.abc import Sequence  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

from nnviz.data import DEFAULT_MODEL_FILE, asset_path  # noqa: E402, F401 - re-exported
from nnviz.network import CLASSES, Network, dropout_names, hidden_names  # noqa: E402


def build_model(widths: int | Sequence[int] = 128, dropout: float = 0.2, activation: str = "relu",
                learning_rate: float = 1e-3, seed: int | None = None,
                steps_per_execution: int = 1) -> keras.Model:
    """Flatten → [Dense(width, activation) → Dropout] per hidden width → Dense(10), compiled with Adam
    and cross-entropy on logits. One width (an int) gives the beginner network.

    A seed fixes the initial weights and the dropout masks through the layers' own seeds, never
    through keras.utils.set_random_seed: that would reseed every session's random generators.
    """
    widths = (widths,) if isinstance(widths, int | np.integer) else tuple(widths)

    def glorot(offset: int):
        return keras.initializers.GlorotUniform(None if seed is None else seed + offset)

    layers = [keras.Input((28, 28), name="digit"), keras.layers.Flatten(name="flatten")]
    for i, (width, name, drop_name) in enumerate(zip(widths, hidden_names(len(widths)),
                                                     dropout_names(len(widths)), strict=True)):
        layers += [keras.layers.Dense(int(width), activation=activation, kernel_initializer=glorot(i), name=name),
                   keras.layers.Dropout(dropout, seed=None if seed is None else seed + i, name=drop_name)]
    layers.append(keras.layers.Dense(CLASSES, kernel_initializer=glorot(len(widths)), name="logits"))
    model = keras.Sequential(layers, name="mnist_beginner")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], steps_per_execution=steps_per_execution)
    return model


def dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def to_network(model: keras.Model) -> Network:
    """An immutable numpy snapshot of a model's weights (copies, so training can go on)."""
    dense = dense_layers(model)
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    arrays = [np.array(v, dtype=np.float32) for layer in dense for v in layer.get_weights()]
    return Network.of(*arrays, activation=keras.activations.serialize(dense[0].activation),
                      dropout=float(dropouts[0].rate) if dropouts else 0.0)


def set_weights(model: keras.Model, net: Network) -> None:
    """Put a Network's weights into a model of the same stack."""
    for layer, kernel, bias in zip(dense_layers(model), net.kernels, net.biases, strict=True):
        layer.set_weights([kernel, bias])


def from_network(net: Network, learning_rate: float = 1e-3) -> keras.Model:
    """A fresh Keras model holding exactly the given weights."""
    model = build_model(net.widths, net.dropout, net.activation, learning_rate)
    set_weights(model, net)
    return model


def load_default_model() -> keras.Model:
    """The pretrained width-128 model shipped in nnviz/assets (trained by scripts/train_default.py)."""
    # compile=False: only the weights matter here, and it skips restoring optimizer state.
    return keras.models.load_model(asset_path(DEFAULT_MODEL_FILE), compile=False, safe_mode=True)
