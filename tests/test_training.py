"""The background trainer, for real: TensorFlow trains in a worker process while these tests drive it."""

import dataclasses
import gc
import time

import numpy as np
import pytest

from nnviz import data
from nnviz.run_store import RunStore
from nnviz.settings import Settings
from nnviz.training.divergence import DIVERGED_LOSS, divergence
from nnviz.training.pool import Lease, Pool, max_trainers
from nnviz.training.split import VAL_PER_EPOCH, held_out_split
from nnviz.training.status import Command
from nnviz.training.supervisor import WorkerHandle
from nnviz.training.trainer import Trainer

TINY = Settings(width=16, train_size=512, epochs=0, batch_size=32, seed=3)  # trains until paused


@pytest.fixture(scope="module")
def sample():
    return data.load_sample()


@pytest.fixture
def make(sample):
    """make(settings, pool=None) → a ready Trainer, closed after the test."""
    made = []

    def _make(chosen=TINY, pool=None, dataset=None):
        trainer = Trainer(dataset or sample, chosen, pool or Pool(2))
        made.append(trainer)
        trainer.wait_for(lambda s: s.status in ("ready", "failed"), 60)
        return trainer

    yield _make
    for trainer in made:
        trainer.close()


def worker_ends(trainer):
    """Wait until the trainer's worker (if any) has ended and its reader thread is gone."""
    worker = trainer._supervisor.worker
    if worker is not None:
        worker.thread.join(30)
        assert not worker.thread.is_alive() and not worker.process.is_alive()


def weights(snap):
    net = snap.network
    return [np.array(a) for a in (net.w1, net.b1, net.w2, net.b2)]


def test_a_seeded_small_run_learns_and_finishes(make):
    trainer = make(Settings(width=32, train_size=1000, epochs=3, seed=1))
    first = trainer.snapshot
    assert first.status == "ready" and first.step == 0 and first.network.width == 32
    trainer.play()
    snap = trainer.wait_for(lambda s: s.ended, 120)
    h = snap.history
    assert snap.status == "finished" and snap.message == "Finished 3 epochs."
    assert snap.step == 3 * 32 == snap.optimizer_steps and snap.samples_seen == 3 * 1000  # 32 batches, last one short
    assert list(h.step) == list(range(1, snap.step + 1)) and len(h.epoch_step) == 3
    assert h.loss[:10].mean() > 2 * h.loss[-10:].mean()                  # the loss decreases
    assert h.epoch_val_loss[-1] < h.epoch_val_loss[0] and h.epoch_val_accuracy[-1] > 0.7
    assert len(h.val_step) == 3 * VAL_PER_EPOCH                 # several validations per epoch
    assert snap.evaluation is not None and snap.evaluation.accuracy > 0.7
    [record] = trainer.records
    assert record.status == "finished" and record.settings.width == 32 and record.evaluation.accuracy > 0.7
    assert snap.samples_per_s > 0 and snap.eta_seconds == 0.0


def test_reset_draws_the_same_weights_from_the_same_seed(make):
    trainer = make(Settings(width=16, train_size=512, seed=7))
    seven = weights(trainer.snapshot)
    trainer.reset(Settings(width=16, train_size=512, seed=8))
    eight = weights(trainer.snapshot)
    trainer.reset(Settings(width=16, train_size=512, seed=7))
    again = weights(trainer.snapshot)
    assert all(np.array_equal(a, b) for a, b in zip(seven, again, strict=True))
    assert not np.array_equal(seven[0], eight[0])
    assert trainer.records == ()  # runs that never trained are not recorded


def test_pause_resume_and_stop(make):
    trainer = make()
    trainer.play()
    trainer.wait_for(lambda s: s.step >= 20, 60)
    paused = trainer.pause()
    assert paused.status == "paused" and not paused.active
    time.sleep(0.4)
    assert trainer.snapshot.step == paused.step  # nothing trains while paused
    trainer.play()
    resumed = trainer.wait_for(lambda s: s.step > paused.step + 20, 60)
    assert resumed.status == "training"
    stopped = trainer.stop()
    assert stopped.status == "stopped" and stopped.evaluation is not None and "Stopped" in stopped.message
    assert [r.status for r in trainer.records] == ["stopped"]
    assert trainer.play().status == "stopped"  # an ended run does not restart: it needs a new run (Reset)
    assert len(trainer.records) == 1


def test_step_trains_exactly_one_batch(make):
    trainer = make(TINY.replace(batch_size=50, train_size=120))  # 3 batches an epoch: 50, 50, then 20
    before = trainer.snapshot
    sizes = []
    for k in range(1, 5):
        previous = trainer.snapshot
        snap = trainer.step()
        snap = trainer.wait_for(lambda s, k=k: s.optimizer_steps == k and s.status == "paused", 30)
        assert snap.step == k == len(snap.history.step)       # Keras's own update count rose by exactly one
        sizes.append(snap.samples_seen - previous.samples_seen)
        assert not np.array_equal(weights(snap)[0], weights(previous)[0])
    assert sizes == [50, 50, 20, 50]  # one batch each, the short last batch of the epoch included
    assert before.step == 0 and trainer.snapshot.status == "paused"


def test_stop_while_nothing_trained_changes_nothing(make):
    trainer = make()
    snap = trainer.stop()
    assert snap.status == "ready" and snap.step == 0 and trainer.records == ()


def test_diverging_run_stops_with_a_message_and_keeps_finite_weights(sample, tmp_path):
    store = RunStore(tmp_path / "runs")
    trainer = Trainer(sample, Settings(width=64, train_size=1000, epochs=0, learning_rate=10.0, seed=0),
                               Pool(1), store=store)
    try:
        trainer.play()
        snap = trainer.wait_for(lambda s: s.ended, 120)
    finally:
        trainer.close()
    assert snap.status == "diverged"
    assert "diverged" in snap.message and "smaller learning rate" in snap.message
    assert np.nanmax(snap.history.loss) > DIVERGED_LOSS
    assert all(np.isfinite(a).all() for a in weights(snap))
    # The weights kept are those the run stands at: its step (what its label shows) is theirs, and
    # the message names that same step (issue 13: "weights from step 0 are kept" on a run at step 8).
    assert f"kept at step {snap.step:,}," in snap.message and snap.step < len(snap.history.step)
    [saved] = store.list().runs  # the saved model holds the kept weights too, not the exploded ones
    assert np.array_equal(store.load(saved.run_id)[1].w1, snap.network.w1) and saved.steps == snap.step
    assert [(r.status, r.steps) for r in trainer.records] == [("diverged", snap.step)]


def test_divergence_rule():
    assert divergence(np.array([2.3, 1.0])) is None
    assert "NaN" in divergence(np.array([1.0, np.nan]))
    assert "NaN" in divergence(np.array([np.inf]))
    assert "exploded" in divergence(np.array([1.0, 5000.0]))


def test_an_exception_is_shown_and_the_trainer_stays_usable(make, sample):
    broken = data.Dataset("broken", np.zeros((64, 27, 27), np.uint8), np.zeros(64, np.uint8),
                          sample.x_test[:20], sample.y_test[:20], "a dataset with the wrong image size")
    trainer = make(TINY, dataset=broken)
    trainer.play()
    snap = trainer.wait_for(lambda s: s.status == "failed", 60)
    assert snap.message.startswith("Training failed:") and not trainer.closed
    trainer.reset(TINY, sample)
    trainer.play()
    assert trainer.wait_for(lambda s: s.step > 0, 60).status == "training"


def test_the_worker_ends_when_asked_and_records_the_run(make):
    trainer = make()
    trainer.play()
    trainer.wait_for(lambda s: s.step > 0, 60)
    trainer.close(reason="Closed by the test.")
    assert trainer.closed and trainer.snapshot.status == "closed"
    assert [(r.status, r.message) for r in trainer.records] == [("stopped", "Closed by the test.")]


def test_the_worker_ends_when_its_session_goes(sample):
    pool = Pool(1)
    trainer = Trainer(sample, TINY, pool)
    trainer.play()
    trainer.wait_for(lambda s: s.step > 0, 60)
    worker = trainer._supervisor.worker
    assert pool.active_count == 1 and worker.process.is_alive()
    del trainer  # what dropping a session's state does
    gc.collect()
    worker.thread.join(30)
    assert not worker.thread.is_alive() and not worker.process.is_alive() and pool.active_count == 0


def test_a_released_lease_closes_its_trainers_without_keeping_them_alive(make, sample):
    lease = Lease()
    trainer = make()
    lease.watch(trainer)
    trainer.play()
    lease.release()  # what Streamlit does when the tab's session disconnects
    worker_ends(trainer)
    assert trainer.closed and "browser tab was closed" in trainer.snapshot.message
    other = Trainer(sample, TINY)
    lease.watch(other)
    supervisor = other._supervisor
    del other
    gc.collect()
    worker = supervisor.worker
    if worker is not None:
        worker.thread.join(30)
    assert supervisor.closed and supervisor.snapshot.status == "closed"


def test_the_concurrency_cap_queues_extra_runs(make):
    pool = Pool(1)
    first, second = make(pool=pool), make(pool=pool)
    first.play()
    first.wait_for(lambda s: s.step > 0, 60)
    queued = second.play()
    assert queued.status == "queued" and queued.queue_position == 1 and "Queued" in queued.message
    time.sleep(0.5)
    assert second.snapshot.step == 0 and second.snapshot.status == "queued" and pool.active_count == 1
    first.pause()
    second.wait_for(lambda s: s.step > 0, 60)
    assert pool.active_count == 1 and first.play().status == "queued"  # now the first one waits
    second.stop()
    assert first.wait_for(lambda s: s.step > 0 and s.status == "training", 60)


def test_pool_is_first_come_first_served():
    pool = Pool(1)
    a, b, c = object(), object(), object()
    assert pool.acquire(a) and not pool.acquire(b) and not pool.acquire(c)
    assert (pool.position(b), pool.position(c), pool.position(a)) == (1, 2, None)
    pool.release(a)
    assert not pool.acquire(c) and pool.acquire(b)  # b was first in line
    pool.release(c)
    assert pool.position(c) is None


def test_a_reset_then_train_keeps_the_slot_taken_when_train_was_pressed(make):
    """Under load, a worker can apply a Reset (which gives up any slot) after the Train pressed just
    after it took the slot: that release must not hand the slot to a later press."""
    pool = Pool(1)
    first, second = make(pool=pool), make(pool=pool)
    supervisor = first._supervisor
    supervisor.post(Command.RESET, (TINY.replace(seed=4), None))  # not waited for, as under load
    supervisor.post(Command.PLAY, None)
    assert second.play().status == "queued"  # pressed later: it waits in line
    first.wait_for(lambda s: s.step > 0, 120)
    assert (second.snapshot.status, second.snapshot.step, pool.position(second._supervisor)) == ("queued", 0, 1)
    first.stop()
    second.wait_for(lambda s: s.step > 0, 120)


def test_a_train_held_for_a_retiring_worker_keeps_its_slot(make):
    """Train pressed while an idle worker is ending waits for the next worker; the end of the old one
    must not give away the slot taken when Train was pressed."""
    pool = Pool(1)
    first, second = make(pool=pool), make(pool=pool)
    worker_ends(first)
    supervisor = first._supervisor
    retiring = WorkerHandle(retiring=True)  # as dispatch finds one: it holds what the page sends meanwhile
    with supervisor.lock:
        supervisor.worker = retiring
        supervisor.post(Command.PLAY, None)
    assert retiring.held and pool.active_count == 1
    assert second.play().status == "queued"
    supervisor.ended(retiring)  # its pipe closed: the held Train goes to a new worker, with its slot
    first.wait_for(lambda s: s.step > 0, 120)
    assert (second.snapshot.status, pool.position(second._supervisor)) == ("queued", 1)
    first.stop()
    second.wait_for(lambda s: s.step > 0, 120)


def test_max_trainers_comes_from_the_environment():
    assert max_trainers({}) == 2
    assert max_trainers({"NNVIZ_MAX_TRAINERS": "5"}) == 5
    assert max_trainers({"NNVIZ_MAX_TRAINERS": "0"}) == 1
    assert max_trainers({"NNVIZ_MAX_TRAINERS": "lots"}) == 2


def test_validation_and_test_digits_are_disjoint_halves():
    val, test = held_out_split(2000)
    assert len(val) == len(test) == 1000 and not set(val) & set(test)


def test_snapshots_are_immutable_and_never_change(make, sample):
    trainer = make()
    trainer.set_probe(data.as_float(sample.x_test[0]))
    trainer.play()
    old = trainer.wait_for(lambda s: s.step > 0 and s.probe is not None and len(s.history.loss) > 0, 60)
    kept = (old.step, old.history.loss.copy(), old.network.w1.copy())
    trainer.wait_for(lambda s: s.step > old.step + 50, 60)
    trainer.pause()
    with pytest.raises(dataclasses.FrozenInstanceError):
        old.step = 0
    for array in (old.history.loss, old.network.w1, old.probe.probs):
        with pytest.raises(ValueError):
            array[0] = 0
    assert old.step == kept[0] and np.array_equal(old.history.loss, kept[1]) and np.array_equal(old.network.w1, kept[2])
    new = trainer.snapshot
    assert new.version > old.version and not np.array_equal(new.network.w1, old.network.w1)


def test_probe_digit_probabilities_are_traced_over_steps(make, sample):
    trainer = make()
    image = data.as_float(sample.x_test[1])
    trainer.set_probe(image)
    trainer.play()
    snap = trainer.wait_for(lambda s: s.probe is not None and len(s.probe.step) > 5, 60)
    probe = snap.probe
    assert np.array_equal(probe.image, image) and probe.probs.shape == (len(probe.step), 10)
    assert np.allclose(probe.probs.sum(axis=1), 1, atol=1e-5) and np.all(np.diff(probe.step) > 0)
    trainer.set_probe(data.as_float(sample.x_test[2]))  # a new digit starts a new trace
    snap = trainer.wait_for(lambda s: s.probe is not None and not np.array_equal(s.probe.image, image), 30)
    assert len(snap.probe.step) <= 3


@pytest.mark.parametrize(("widths", "activation"), [((64, 32, 16), "relu"), ((16, 16, 16, 16), "linear")])
def test_a_deep_run_trains_every_layer_and_keeps_its_widths(make, widths, activation):
    trainer = make(TINY.replace(widths=widths, activation=activation, epochs=3, train_size=1000, seed=2,
                                learning_rate=3e-3))
    first = trainer.snapshot
    assert first.network.widths == widths and first.settings.widths == widths
    trainer.play()
    snap = trainer.wait_for(lambda s: s.ended, 120)
    assert snap.status == "finished" and (snap.network.widths, snap.network.activation) == (widths, activation)
    for before, after in zip(first.network.kernels, snap.network.kernels, strict=True):
        assert not np.array_equal(before, after)  # every layer learned
    assert snap.history.epoch_val_accuracy[-1] > 0.6 and snap.evaluation.accuracy > 0.6
    [record] = trainer.records
    assert record.settings.widths == widths


def test_a_new_sessions_runs_are_numbered_after_the_saved_ones(sample, tmp_path):
    """The Train page named a session's first run 'Run 1' while the store saved it as 'Run 2'."""
    store = RunStore(tmp_path / "runs")
    for expected in ("Run 1", "Run 2"):
        trainer = Trainer(sample, TINY, Pool(1), store=store)  # a new session each time
        try:
            assert trainer.step().name == expected
            trainer.wait_for(lambda s: s.step == 1, 120)  # a loaded machine can take longer than step()'s wait
            trainer.stop()
            trainer.wait_for(lambda s: s.ended, 120)
        finally:
            trainer.close()
        assert expected in {r.name for r in store.list().runs}
