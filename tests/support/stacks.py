"""Dense stacks for exactness tests: real Keras models of 1 to 3 hidden layers, and what Keras computes with them."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from nnviz import model

STACKS = {"1 layer": (32,), "2 layers": (48, 24), "3 layers": (40, 20, 16)}
ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear")


def random_stack(widths, activation: str, dropout: float = 0.25, seed: int = 0) -> keras.Model:
    """Keras's own initial weights plus random biases (Keras starts them at 0, which would hide bias bugs)."""
    m = model.build_model(widths, dropout, activation, seed=seed)
    rng = np.random.default_rng(seed)
    for layer in model.dense_layers(m):
        kernel, bias = layer.get_weights()
        layer.set_weights([kernel, rng.normal(0, 0.3, bias.shape).astype(np.float32)])
    return m


def keras_outputs(m: keras.Model, images: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output at inference, as Keras computes it, keyed by layer name."""
    names = [layer.name for layer in m.layers]
    probe = keras.Model(m.inputs, [layer.output for layer in m.layers])
    return {name: np.asarray(out) for name, out in zip(names, probe([images], training=False), strict=True)}


def keras_preactivations(m: keras.Model, images: np.ndarray) -> list[np.ndarray]:
    """Each Dense layer's w·a + b, by a Keras Dense layer with its weights and no activation, applied to
    Keras's own output of the layer before."""
    outputs = keras_outputs(m, images)
    names = [layer.name for layer in m.layers]
    zs = []
    for layer in model.dense_layers(m):
        linear = keras.layers.Dense(layer.units, activation=None)
        before = outputs[names[names.index(layer.name) - 1]]
        linear.build(before.shape)
        linear.set_weights(layer.get_weights())
        zs.append(np.asarray(linear(before)))
    return zs


def tape_gradients(m: keras.Model, images: np.ndarray, labels: np.ndarray, masks=None, rate: float = 0.0):
    """The compiled loss's gradients by tf.GradientTape: w.r.t. every kernel and bias (in layer order) and the
    input. With masks, each hidden layer's output is multiplied by its mask / (1 − rate), as Keras's dropout."""
    x = tf.Variable(np.asarray(images, np.float32))
    dense = model.dense_layers(m)
    with tf.GradientTape() as tape:
        a = keras.layers.Flatten()(x)
        for i, layer in enumerate(dense):
            a = layer(a)
            if masks is not None and i < len(dense) - 1:
                a = a * masks[i] / (1.0 - rate)
        loss = m.loss(labels, a)
    variables = [v for layer in dense for v in (layer.kernel, layer.bias)]
    grads = tape.gradient(loss, [*variables, x])
    return [np.asarray(g) for g in grads[:-1]], np.asarray(grads[-1])
