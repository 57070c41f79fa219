"""A run's batch plan: every digit once per epoch, fresh order each epoch, chunks cut at validation checkpoints."""

import numpy as np

from nnviz.training.run import BatchPlan
from nnviz.training.split import VAL_PER_EPOCH


def epoch(plan: BatchPlan, wanted: int) -> tuple[list[np.ndarray], list[tuple[bool, bool]]]:
    """One epoch's chunks, and what advancing past each one said."""
    chunks, said = [], []
    while not said or not said[-1][1]:
        chunks.append(plan.next(wanted))
        said.append(plan.advance(len(chunks[-1])))
    return chunks, said


def test_an_epoch_takes_every_digit_once_and_stops_at_each_checkpoint():
    plan = BatchPlan(1000, 10, seed=0)
    assert plan.steps_per_epoch == 100 and plan.checkpoints == [25, 50, 75, 100] and VAL_PER_EPOCH == 4
    chunks, said = epoch(plan, wanted=1000)
    assert [c.shape for c in chunks] == [(25, 10)] * 4           # never across a checkpoint
    assert said == [(True, False)] * 3 + [(True, True)]
    assert sorted(np.concatenate(chunks).ravel().tolist()) == list(range(1000))
    assert plan.position == 0 and plan.order is None               # the next epoch starts afresh


def test_small_chunks_reach_checkpoints_exactly():
    plan = BatchPlan(1000, 10, seed=0)
    chunks, said = epoch(plan, wanted=7)
    assert sum(len(c) for c in chunks) == 100 and max(len(c) for c in chunks) == 7
    assert [i for i, (checkpoint, _) in enumerate(said) if checkpoint] == [3, 7, 11, 15]  # 7+7+7+4 batches each


def test_a_short_last_batch_runs_on_its_own():
    plan = BatchPlan(1000, 32, seed=0)                             # 31 batches of 32, then one of 8
    chunks, _ = epoch(plan, wanted=100)
    assert plan.steps_per_epoch == 32
    assert [c.shape for c in chunks] == [(8, 32), (8, 32), (8, 32), (7, 32), (1, 8)]
    assert sorted(np.concatenate([c.ravel() for c in chunks]).tolist()) == list(range(1000))


def test_the_order_follows_the_seed_and_changes_every_epoch():
    first, again, other = BatchPlan(100, 10, seed=1), BatchPlan(100, 10, seed=1), BatchPlan(100, 10, seed=2)
    one = np.concatenate(epoch(first, 100)[0])
    assert np.array_equal(one, np.concatenate(epoch(again, 100)[0]))
    assert not np.array_equal(one, np.concatenate(epoch(other, 100)[0]))
    assert not np.array_equal(one, np.concatenate(epoch(first, 100)[0]))  # the second epoch is reshuffled


def test_a_batch_larger_than_the_digits_takes_them_all():
    plan = BatchPlan(20, 64, seed=0)
    assert (plan.batch, plan.steps_per_epoch, plan.checkpoints) == (20, 1, [1])
    assert plan.next(5).shape == (1, 20) and plan.advance(1) == (True, True)
