"""The compiled training step: its fused Adam update trains exactly as Keras's own apply_gradients does."""

import keras
import numpy as np
import pytest

from nnviz import model
from nnviz.training import steps


def trained(sample, monkeypatch, fused: bool, widths=(32, 16), chunks=((5, 32), (1, 32), (9, 20))):
    """A seeded model after a few chunks of batches: (its weights, every batch's loss and accuracy, Adam's count)."""
    monkeypatch.setattr(steps, "fused_adam", lambda optimizer: fused)
    net = model.build_model(widths, 0.2, learning_rate=3e-3, seed=5)
    run = steps.compile_steps(net, sample.x_train[:600], sample.y_train[:600])
    rng = np.random.default_rng(1)
    curves = [run(rng.integers(0, 600, shape).astype(np.int32)) for shape in chunks]
    losses = np.concatenate([c[0] for c in curves])
    accuracies = np.concatenate([c[1] for c in curves])
    return net.get_weights(), losses, accuracies, steps.optimizer_steps(net)


def test_the_fused_adam_step_equals_keras_own_update(sample, monkeypatch):
    fused = trained(sample, monkeypatch, fused=True)
    keras_own = trained(sample, monkeypatch, fused=False)
    start = model.build_model((32, 16), 0.2, learning_rate=3e-3, seed=5).get_weights()
    assert fused[3] == keras_own[3] == 15                            # Adam's own count: one per batch
    assert len(fused[1]) == 15 and fused[1][:5].mean() > fused[1][-5:].mean()  # it learns
    np.testing.assert_allclose(fused[1], keras_own[1], rtol=1e-4)    # the same curve, to float32 rounding
    np.testing.assert_array_equal(fused[2], keras_own[2])
    for after, reference, before in zip(fused[0], keras_own[0], start, strict=True):
        np.testing.assert_allclose(after, reference, atol=1e-5)      # the same weights, to float32 rounding
        assert np.abs(after - before).max() > 1e-3                    # and they did move


@pytest.mark.parametrize("optimizer", [keras.optimizers.Adam(amsgrad=True), keras.optimizers.Adam(clipnorm=1.0),
                                       keras.optimizers.AdamW(), keras.optimizers.SGD()])
def test_only_plain_adam_takes_the_fused_kernel(optimizer):
    assert steps.fused_adam(keras.optimizers.Adam(2e-3))
    assert not steps.fused_adam(optimizer)


def test_the_weights_reader_gives_copies_of_keras_own_weights(sample):
    net = model.build_model((24, 12), 0.2, seed=2)
    read = steps.weights_reader(net)
    before = read()
    assert [w.shape for w in before] == [w.shape for w in net.get_weights()]
    steps.compile_steps(net, sample.x_train[:64], sample.y_train[:64])(np.arange(64, dtype=np.int32).reshape(2, 32))
    after = read()
    for ours, keras_own, old in zip(after, net.get_weights(), before, strict=True):
        np.testing.assert_array_equal(ours, keras_own)     # the weights now, in get_weights' order
        assert not np.array_equal(ours, old)               # the earlier read kept the earlier weights
