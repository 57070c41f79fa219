"""The compiled training step: one tf.function that runs K batches in a graph loop (imports TensorFlow;
used only in training worker processes).

Keras's own fit() pays ~0.1 ms of Python per batch; on this small network that is most of the
time. Running K batches inside one tf.function (what compile(steps_per_execution=K) does for fit)
removes that overhead, while still returning every batch's loss and accuracy for the live curves.
The training digits live in the graph as one uint8 tensor; a call only passes batch indices.
TensorFlow's environment (log level, threads) is set once for the server and its workers by
nnviz/app/runtime.py.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf


def compile_steps(model: keras.Model, images: np.ndarray,
                  labels: np.ndarray) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A function (k, batch) int32 indices → per-batch (loss, accuracy), updating the model's weights.

    images: uint8 (n, 28, 28); labels (n,). Any k and batch size, one trace (dynamic shapes).
    """
    x_all = tf.constant(images, dtype=tf.uint8)
    y_all = tf.constant(np.asarray(labels, np.int32))
    variables = model.trainable_variables
    model.optimizer.build(variables)  # create Adam's slots now, not inside the traced loop
    loss_fn = model.loss

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)], reduce_retracing=True)
    def run(batches):
        k = tf.shape(batches)[0]
        losses = tf.TensorArray(tf.float32, size=k)
        accuracies = tf.TensorArray(tf.float32, size=k)
        for i in tf.range(k):
            x = tf.cast(tf.gather(x_all, batches[i]), tf.float32) / 255.0
            y = tf.gather(y_all, batches[i])
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                loss = loss_fn(y, logits)
            model.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
            hits = tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), y)
            losses = losses.write(i, loss)
            accuracies = accuracies.write(i, tf.reduce_mean(tf.cast(hits, tf.float32)))
        return losses.stack(), accuracies.stack()

    def steps(batches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        loss, accuracy = run(tf.constant(np.asarray(batches, np.int32)))
        return loss.numpy(), accuracy.numpy()

    return steps


def optimizer_steps(model: keras.Model) -> int:
    """How many updates Adam has applied: Keras's own count, which the Step button must raise by one."""
    return int(model.optimizer.iterations.numpy())
