"""Training in worker processes, for real: a killed worker, a closed trainer, a dead server, and the
rules that tell a run that diverged or stopped learning."""

import os
import select
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from nnviz import data
from nnviz.settings import Settings
from nnviz.training.divergence import diverged_at, stalled
from nnviz.training.messages import plural, queued_message
from nnviz.training.pool import Pool
from nnviz.training.trainer import Trainer
from nnviz.training.worker import NICENESS, niceness
from tests.conftest import ROOT

TINY = Settings(width=16, train_size=512, epochs=0, batch_size=32, seed=3)  # trains until paused


@pytest.fixture(scope="module")
def sample():
    return data.load_sample()


def worker_of(trainer):
    return trainer._supervisor.worker


def gone(pid: int, timeout: float = 60.0) -> bool:
    """Wait until process pid has ended (a pidfd becomes readable when it does)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    finally:
        os.close(fd)


def descendants(pid: int) -> list[int]:
    """Every process below pid (children, their children, …)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in os.listdir(f"/proc/{parent}/task"):
            with open(f"/proc/{parent}/task/{task}/children") as children:
                kids = [int(k) for k in children.read().split()]
            found += kids
            todo += kids
    return found


def test_a_killed_worker_fails_its_run_with_a_plain_message_and_nothing_else_breaks(sample):
    pool = Pool(2)
    victim, bystander = Trainer(sample, TINY, pool), Trainer(sample, TINY.replace(seed=4), pool)
    try:
        for trainer in (victim, bystander):
            trainer.play()
            trainer.wait_for(lambda s: s.step > 0, 120)
        worker = worker_of(victim)
        os.kill(worker.process.pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        snap = victim.wait_for(lambda s: s.status == "failed", 60)
        assert snap.message.startswith("The training process stopped unexpectedly")
        assert "Traceback" not in snap.message and "/" not in snap.message and "Press Train" in snap.message
        assert snap.network is not None and snap.step > 0 and not snap.in_progress  # the page still has the run
        worker.thread.join(30)
        assert pool.active_count == 1 and not victim.closed  # its slot is free; the trainer stays usable
        # The other run never noticed, and the trainer starts a new run in a new worker.
        before = bystander.snapshot.step
        assert bystander.wait_for(lambda s: s.step > before + 20, 60).status == "training"
        bystander.pause()
        assert victim.play().status == "failed"  # an ended run does not restart: it needs a new run
        victim.reset(TINY)
        victim.play()
        assert victim.wait_for(lambda s: s.step > 0, 120).status == "training"
        assert worker_of(victim).process.pid != worker.process.pid
    finally:
        victim.close()
        bystander.close()


def test_a_trainer_keeps_a_process_only_while_its_run_needs_one(sample):
    trainer = Trainer(sample, TINY, Pool(1))
    try:
        trainer.wait_for(lambda s: s.status == "ready", 120)
        builder = worker_of(trainer)
        if builder is not None:  # the worker that built the run ends: a run that never trained needs none
            builder.thread.join(30)
        assert worker_of(trainer) is None and trainer.snapshot.network is not None
        first = trainer.snapshot.network.w1
        trainer.step()
        snap = trainer.wait_for(lambda s: s.step == 1 and s.status == "paused", 120)
        worker = worker_of(trainer)  # rebuilt from the seed for its first step, and kept while paused
        assert worker.process.is_alive() and snap.history.loss.size == 1
        # It yields the cores to the server's pages: a lower priority (higher niceness) than this process.
        here, there = os.getpriority(os.PRIO_PROCESS, 0), os.getpriority(os.PRIO_PROCESS, worker.process.pid)
        assert there == min(19, here + niceness())
        assert not np.array_equal(snap.network.w1, first)
        stopped = trainer.stop()
        assert stopped.message == "Stopped by you after 1 step."  # not "1 steps"
        worker.thread.join(30)
        assert not worker.process.is_alive() and worker_of(trainer) is None  # an ended run needs none either
        trainer.reset(TINY.replace(seed=5))
        trainer.play()
        trainer.wait_for(lambda s: s.step > 0, 120)
        worker = worker_of(trainer)
        pid = worker.process.pid
    finally:
        trainer.close()
    assert trainer.closed and gone(pid, 0) and not worker.thread.is_alive()
    assert [t for t in threading.enumerate() if t is worker.thread] == []
    assert [r.status for r in trainer.records] == ["stopped", "stopped"]


def test_a_run_queued_before_its_first_step_waits_without_a_process(sample):
    pool = Pool(1)
    first, second = Trainer(sample, TINY, pool), Trainer(sample, TINY, pool)
    try:
        second.wait_for(lambda s: s.status == "ready", 120)
        first.play()
        first.wait_for(lambda s: s.step > 0, 120)
        builder = worker_of(second)
        if builder is not None:
            builder.thread.join(30)
        queued = second.play()
        assert (queued.status, queued.queue_position) == ("queued", 1) and worker_of(second) is None
        assert queued.message.startswith("Queued: this server trains at most 1 run at once")
        first.stop()
        assert second.wait_for(lambda s: s.step > 0, 120).status == "training"
    finally:
        first.close()
        second.close()


SERVER = """
import sys
from nnviz import data
from nnviz.settings import Settings
from nnviz.training.trainer import Trainer

trainer = Trainer(data.load_sample(), Settings(width=16, train_size=512, epochs=0, seed=3))
trainer.play()
trainer.wait_for(lambda s: s.step > 0, 120)
print(trainer._supervisor.worker.process.pid, "tensorflow" in sys.modules, flush=True)
sys.stdin.read()  # until the test kills this process
"""


def test_workers_end_when_their_server_dies(tmp_path):
    """No orphans: a server killed outright (no clean-up runs) takes its training processes with it.
    The server is a script without a __main__ guard: a worker that ran it again (as multiprocessing
    does with __main__) would fail to start, and its run with it."""
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    server = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        worker, tensorflow = server.stdout.readline().split()
        worker = int(worker)
        assert tensorflow == "False"  # the server itself never loaded TensorFlow to train
        below = descendants(server.pid)  # the worker, the forkserver it was forked from, and its helpers
        assert worker in below
    finally:
        server.kill()
        server.wait()
    assert [pid for pid in below if not gone(pid)] == []


def test_the_server_needs_no_guard_against_streamlits_clear_session():
    """Streamlit calls keras.backend.clear_session() after every script run, resetting Keras's global
    state under every thread. That broke a trainer thread tracing its model in the server, so
    train_steps used to replace it with a no-op. Training is in worker processes now; the Keras work
    left in the server (.keras upload and download, a fresh model for comparison) survives the real
    clear_session running all the while in another thread, so the replacement is gone."""
    import keras

    from nnviz import model, model_io

    stop, clears = threading.Event(), []

    def clear_all_the_time():
        while not stop.is_set():
            keras.backend.clear_session(free_memory=False)
            clears.append(1)

    clearer = threading.Thread(target=clear_all_the_time)
    clearer.start()
    try:
        for seed in range(3):
            net = model.to_network(model.build_model(16, seed=seed))
            back = model_io.network_from_keras_bytes(model_io.keras_bytes(net))
            assert np.array_equal(back.w1, net.w1) and np.array_equal(back.b2, net.b2)
    finally:
        stop.set()
        clearer.join()
    assert clears and keras.backend.clear_session.__module__.startswith("keras")  # the real one ran


# ---- the rules ------------------------------------------------------------------------------------

def test_divergence_is_placed_at_the_first_bad_batch():
    assert diverged_at(np.array([2.3, 1.0, 0.5])) is None
    assert diverged_at(np.array([2.3, 5000.0, np.nan])) == 1
    assert diverged_at(np.array([np.nan, 1.0])) == 0
    assert diverged_at(np.array([1.0, np.inf])) == 1


def test_a_run_that_stopped_learning_is_told_why():
    # Sigmoid at learning rate 10 (issue 13): a loss of ~195 after an epoch, below the divergence limit.
    assert "worse than guessing at random" in stalled(313, [195.2], [0.476])
    assert "195.2" in stalled(313, [195.2], [0.476])
    # Accuracy near chance after an epoch, whatever the loss.
    assert "about as often as guessing" in stalled(313, [1.9], [0.11])
    # A high plateau: three epochs without a better loss.
    assert "not improved for 3 epochs" in stalled(1252, [1.9, 1.8, 1.8, 1.81, 1.79], [0.4] * 5)
    # Runs that learn, or are too young to judge, are left alone.
    assert stalled(313, [0.35], [0.91]) is None
    assert stalled(1252, [0.40, 0.41, 0.40, 0.40, 0.41], [0.9] * 5) is None  # a low plateau has learned
    assert stalled(1252, [2.0, 1.5, 1.2, 1.0, 0.9], [0.6] * 5) is None
    assert stalled(50, [195.0], [0.1]) is None   # fewer than JUDGE_AFTER_STEPS steps
    assert stalled(500, [], []) is None          # no full epoch yet


def test_worker_niceness_comes_from_the_environment():
    assert niceness({}) == NICENESS == 10
    assert niceness({"NNVIZ_WORKER_NICENESS": "0"}) == 0
    assert niceness({"NNVIZ_WORKER_NICENESS": "40"}) == 19
    assert niceness({"NNVIZ_WORKER_NICENESS": "low"}) == 10


def test_plural_and_queue_messages():
    assert [plural(n, "step") for n in (0, 1, 2, 1000)] == ["0 steps", "1 step", "2 steps", "1,000 steps"]
    assert "1 other run is ahead" in queued_message(2, 2)
    assert "2 other runs are ahead" in queued_message(2, 3)
    assert "you are next" in queued_message(1, 1)


def test_a_stalled_run_says_so_and_keeps_training(sample):
    """Sigmoid at learning rate 10: the loss stays high but finite, so it never counts as diverged."""
    trainer = Trainer(sample, Settings(width=64, activation="sigmoid", learning_rate=10.0,
                                                train_size=3200, epochs=2, seed=0), Pool(1))
    try:
        trainer.play()
        live = trainer.wait_for(lambda s: "stopped learning" in s.message or s.ended, 240)
        assert live.status == "training" and live.message.startswith("Training, but it has stopped learning: ")
        snap = trainer.wait_for(lambda s: s.ended, 240)
    finally:
        trainer.close()
    assert snap.status == "finished" and snap.message.startswith("Finished 2 epochs. It had stopped learning: ")
    assert "smaller learning rate" in snap.message and trainer.records[0].message == snap.message
