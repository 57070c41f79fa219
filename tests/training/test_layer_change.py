"""Which layer is learning: per-layer relative weight change between snapshots, at depth 1 to 4."""

import numpy as np
import pytest

from nnviz import model
from nnviz.network import Network
from nnviz.training import layer_change
from nnviz.training.layer_change import Trail, advance, relative_changes
from tests.support import stacks


def net(widths, seed=0, scale=0.1):
    rng = np.random.default_rng(seed)
    sizes = (784, *widths, 10)
    arrays = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        arrays += [rng.normal(0, scale, (n_in, n_out)).astype(np.float32), np.zeros(n_out, np.float32)]
    return Network.of(*arrays)


def nudged(network, factors):
    """The network with hidden layer i's kernel multiplied by (1 + factors[i]): a relative change of |factors[i]|."""
    kernels = [k * np.float32(1 + f) for k, f in zip(network.kernels[:-1], factors, strict=True)]
    return Network((*kernels, network.kernels[-1]), network.biases)


@pytest.mark.parametrize("widths", [(16,), (16, 8), (16, 8, 8), (32, 16, 8, 8)])
def test_each_hidden_layer_gets_its_own_relative_change_per_step(widths):
    before = net(widths)
    factors = [0.01 * (i + 1) for i in range(len(widths))]
    after = nudged(before, factors)
    assert np.allclose(relative_changes(before, after, 1), factors, rtol=1e-4)
    assert np.allclose(relative_changes(before, after, 4), np.array(factors) / 4, rtol=1e-4)  # per step
    assert relative_changes(before, after, 1).shape == (len(widths),)  # the logits layer is not a hidden layer


def test_the_change_is_measured_against_the_earlier_weights_and_ignores_the_logits_and_biases():
    before = net((8,))
    after = Network((before.kernels[0] + np.float32(0.5), before.kernels[1] * 3),
                    (before.biases[0] + 1, before.biases[1]))
    expected = np.linalg.norm(np.full((784, 8), 0.5)) / np.linalg.norm(before.kernels[0].astype(np.float64))
    assert relative_changes(before, after, 1) == pytest.approx([expected], rel=1e-5)


def test_unchanged_weights_change_by_zero_and_networks_of_other_shapes_are_refused():
    a = net((8, 8))
    assert np.array_equal(relative_changes(a, a, 3), [0.0, 0.0])
    with pytest.raises(ValueError):
        relative_changes(a, net((8, 4)), 1)
    with pytest.raises(ValueError):
        relative_changes(a, a, 0)


def test_a_real_keras_step_moves_every_layer_of_a_deep_stack():
    """A real Adam step on a 3-hidden-layer Keras model: each layer's change is what its kernels say."""
    m = stacks.random_stack((40, 20, 16), "relu", dropout=0.0)
    before = model.to_network(m)
    rng = np.random.default_rng(1)
    m.train_on_batch(rng.random((32, 28, 28), dtype=np.float32), rng.integers(0, 10, 32))
    after = model.to_network(m)
    changes = relative_changes(before, after, 1)
    assert changes.shape == (3,) and (changes > 0).all()
    for i in range(3):
        a, b = before.kernels[i].astype(np.float64), after.kernels[i].astype(np.float64)
        assert changes[i] == pytest.approx(np.linalg.norm(b - a) / np.linalg.norm(a), rel=1e-5)


def test_a_trail_grows_with_each_later_step_and_starts_again_for_a_new_run():
    first = net((16, 8))
    trail = advance(Trail(), "run-a", 0, first)
    assert trail.depth == 2 and len(trail.steps) == 0            # nothing to compare with yet
    second = nudged(first, [0.02, 0.01])
    trail = advance(trail, "run-a", 10, second)
    assert list(trail.steps) == [10] and np.allclose(trail.changes, [[0.002, 0.001]], rtol=1e-4)
    assert advance(trail, "run-a", 10, second) is trail          # the same snapshot again: nothing new
    assert advance(trail, "run-a", 10, None) is trail
    third = advance(trail, "run-a", 15, nudged(second, [0.0, 0.05]))
    assert list(third.steps) == [10, 15] and np.allclose(third.changes[1], [0.0, 0.01], rtol=1e-4)
    fresh = advance(third, "run-b", 3, net((16, 8), seed=4))
    assert fresh.run_id == "run-b" and len(fresh.steps) == 0     # a new run: its own trail
    reshaped = advance(third, "run-a", 20, net((16, 4)))     # other widths: nothing to compare with
    assert reshaped.network.widths == (16, 4) and not len(reshaped.steps)
    unbuilt = advance(third, "run-b", 0, None)                # a new run whose worker has no weights yet
    assert unbuilt.run_id == "run-b" and unbuilt.network is None and not len(unbuilt.steps)


def test_a_trail_keeps_only_its_latest_points():
    trail, network = Trail(), net((8,))
    for step in range(layer_change.MAX_POINTS + 20):
        trail = advance(trail, "r", step, nudged(network, [0.001 * (step % 3)]))
    assert len(trail.steps) == layer_change.MAX_POINTS == len(trail.changes)
    assert trail.steps[-1] == layer_change.MAX_POINTS + 19
