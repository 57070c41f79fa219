"""The compiled training step: one tf.function that runs K batches in a graph loop (imports TensorFlow;
used only in training worker processes).

Keras's own fit() pays ~0.1 ms of Python per batch; on this small network that is most of the
time. Running K batches inside one tf.function (what compile(steps_per_execution=K) does for fit)
removes that overhead, while still returning every batch's loss and accuracy for the live curves.
The training digits live in the graph as one uint8 tensor; a call only passes batch indices.
TensorFlow's environment (log level, threads) is set once for the server and its workers by
nnviz/app/runtime.py.

Adam's update is TensorFlow's fused kernel (ResourceApplyAdam) on Keras's own moment variables, with
Keras's formula: Keras's apply_gradients runs it as ~10 separate element-wise ops per weight array,
each allocating a copy of the array, which took about a third of the training time at width 128
(measured 1.1 against 0.68 ms of CPU per batch of 32). The two agree to float32 rounding (Keras takes
1 − β in float64, the kernel in float32), and Keras's own step count still rises by one per batch.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from nnviz.model import dense_layers


def fused_adam(optimizer: keras.optimizers.Optimizer) -> bool:
    """Whether this optimizer's update is plain Adam, which the fused kernel computes exactly as Keras does."""
    return (type(optimizer) is keras.optimizers.Adam and not optimizer.amsgrad and optimizer.weight_decay is None
            and optimizer.clipnorm is None and optimizer.clipvalue is None and optimizer.global_clipnorm is None
            and not optimizer.use_ema and optimizer.loss_scale_factor is None
            and not optimizer.gradient_accumulation_steps)


def adam_update(optimizer: keras.optimizers.Adam, variables: list) -> Callable[[list], None]:
    """apply(gradients): one Adam step on `variables` with the fused kernel, then Keras's step count + 1."""
    slots = [(optimizer._momentums[optimizer._get_variable_index(v)],
              optimizer._velocities[optimizer._get_variable_index(v)]) for v in variables]
    beta_1, beta_2 = tf.constant(optimizer.beta_1, tf.float32), tf.constant(optimizer.beta_2, tf.float32)
    epsilon = tf.constant(optimizer.epsilon, tf.float32)

    def apply(gradients: list) -> None:
        step = tf.cast(optimizer.iterations + 1, tf.float32)  # as Keras: powers of β at the coming step
        beta_1_power, beta_2_power = tf.pow(beta_1, step), tf.pow(beta_2, step)
        learning_rate = tf.cast(optimizer.learning_rate, tf.float32)
        for variable, (m, v), gradient in zip(variables, slots, gradients, strict=True):
            tf.raw_ops.ResourceApplyAdam(var=variable.value.handle, m=m.value.handle, v=v.value.handle,
                                         beta1_power=beta_1_power, beta2_power=beta_2_power, lr=learning_rate,
                                         beta1=beta_1, beta2=beta_2, epsilon=epsilon, grad=gradient)
        optimizer.iterations.assign_add(1)

    return apply


def compile_steps(model: keras.Model, images: np.ndarray,
                  labels: np.ndarray) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A function (k, batch) int32 indices → per-batch (loss, accuracy), updating the model's weights.

    images: uint8 (n, 28, 28); labels (n,). Any k and batch size, one trace (dynamic shapes).
    """
    x_all = tf.constant(images, dtype=tf.uint8)
    y_all = tf.constant(np.asarray(labels, np.int32))
    variables = model.trainable_variables
    optimizer = model.optimizer
    optimizer.build(variables)  # create Adam's slots now, not inside the traced loop
    loss_fn = model.loss
    if fused_adam(optimizer):
        update = adam_update(optimizer, variables)
    else:
        def update(gradients):
            optimizer.apply_gradients(zip(gradients, variables, strict=True))

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
            update(tape.gradient(loss, variables))
            hits = tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), y)
            losses = losses.write(i, loss)
            accuracies = accuracies.write(i, tf.reduce_mean(tf.cast(hits, tf.float32)))
        return losses.stack(), accuracies.stack()

    traced = []  # the first call traces (the run shows "Compiling…" then); later ones call the graph directly,
    # skipping tf.function's matching of its arguments (~2 ms a call)

    def steps(batches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not traced:
            traced.append(run.get_concrete_function())
        loss, accuracy = traced[0](tf.constant(np.asarray(batches, np.int32)))
        return loss.numpy(), accuracy.numpy()

    return steps


def weights_reader(model: keras.Model) -> Callable[[], list[np.ndarray]]:
    """A function → copies of the Dense layers' weights (kernel, bias, …: Keras's get_weights order), read in
    one call: the worker reads them after every chunk, where get_weights took one eager read per array."""
    variables = [v for layer in dense_layers(model) for v in layer.weights]
    read = tf.function(lambda: [tf.identity(v.value) for v in variables])

    def weights() -> list[np.ndarray]:
        return [np.array(tensor, dtype=np.float32) for tensor in read()]

    return weights


def optimizer_steps(model: keras.Model) -> int:
    """How many updates Adam has applied: Keras's own count, which the Step button must raise by one."""
    return int(model.optimizer.iterations.numpy())
