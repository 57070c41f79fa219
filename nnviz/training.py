"""The background trainer: each session's runs train in a worker process, which sends back snapshots.

Public API (used by the Train page and by benchmarks/run.py):

    pool = Pool(limit=max_trainers())          # one per server: caps concurrent training runs
    trainer = Trainer(dataset, Settings(...), pool)
    trainer.play(); trainer.pause(); trainer.step(); trainer.stop(); trainer.reset(settings, dataset)
    trainer.set_probe(image28)                 # the digit whose probabilities are traced over steps
    snap = trainer.snapshot                    # latest immutable Snapshot; never blocks, never torn
    trainer.wait_for(lambda s: s.ended, 60)    # block until a snapshot satisfies a condition
    trainer.records                            # RunRecords of this trainer's ended runs
    Trainer(..., store=RunStore(folder))       # also save every ended run to disk (run_store)
    trainer.close()                            # ends its worker (also on garbage collection)

For benchmarks: Snapshot.version counts published snapshots, Snapshot.samples_per_s is the recent
training rate (last RATE_WINDOW chunks, compilation excluded), samples_seen / seconds the whole-run
rate, and trainer.published_times the monotonic time of every publication. Importing this module sets
TF_NUM_INTRAOP_THREADS=1 (unless set) for the whole process; import it before TensorFlow runs its first
op so that a plain model.fit measured alongside uses the same threading.

Commands go over a pipe to the worker process (training_worker), which applies them between chunks
of K batches (one compiled call, see train_steps); K adapts so that a chunk takes about
CHUNK_SECONDS, so snapshots arrive several times a second while Python overhead per batch stays
negligible. Readers only ever read the current Snapshot reference, which the server side
(training_thread) replaces in one assignment: there is no lock for readers and no half-updated data.
The server process never imports TensorFlow for training: TensorFlow's memory (traced functions that
outlive their model, tensorflow#62854) goes when a worker ends. A worker lives only while its run
needs one; the Pool and its queue stay in the server. Shared pieces (Snapshot, Pool, Lease, the
rules a run follows) live in training_state.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable

import numpy as np

from nnviz.data import Dataset
from nnviz.run_record import RunRecord
from nnviz.settings import Settings
from nnviz.training_state import (  # noqa: F401 - re-exported: callers need only this module
    ACTIVE,
    CHUNK_SECONDS,
    DIVERGED_LOSS,
    VAL_PER_EPOCH,
    VAL_SUBSET,
    Lease,
    Pool,
    Probe,
    Snapshot,
    diverged_at,
    divergence,
    held_out_split,
    max_trainers,
    plural,
    queued_message,
    settle_heap,
    stalled,
)
from nnviz.training_thread import _Supervisor

# One thread per TensorFlow op. This small network trains about twice as fast single-threaded
# (measured ~85,000 against ~45,000 samples/s on the bundled sample: hand-offs between threads cost
# more than they save), and each concurrent run then keeps to one core, leaving the other to the
# server. TensorFlow reads it when it runs its first op, so importing this module early is enough;
# training workers inherit it.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")


class Trainer:
    """A session's trainer: a handle on the server side of its runs, whose worker process owns the
    Keras model. Dropping the handle (e.g. with its session's state) ends the worker."""

    def __init__(self, dataset: Dataset, settings: Settings, pool: Pool | None = None,
                 chunk_seconds: float = CHUNK_SECONDS, store=None):
        """store: a run_store.RunStore; when given, every run that ends is saved to it (by the worker)."""
        self._supervisor = _Supervisor(dataset, settings, pool or Pool(1), chunk_seconds, store)
        # The finalizer holds the supervisor, never self: so the handle can be collected, which ends the worker.
        self._finalizer = weakref.finalize(self, self._supervisor.post, "close", None)

    @property
    def snapshot(self) -> Snapshot:
        return self._supervisor.snapshot

    @property
    def records(self) -> tuple[RunRecord, ...]:
        return self._supervisor.records

    @property
    def published_times(self) -> tuple[float, ...]:
        return tuple(self._supervisor.published)

    @property
    def closed(self) -> bool:
        return self._supervisor.closed

    def play(self, wait: float = 5.0) -> Snapshot:
        return self._supervisor.command("play", None, wait)

    def pause(self, wait: float = 5.0) -> Snapshot:
        return self._supervisor.command("pause", None, wait)

    def step(self, wait: float = 5.0) -> Snapshot:
        """Train exactly one batch (when not already training)."""
        return self._supervisor.command("step", None, wait)

    def stop(self, wait: float = 10.0) -> Snapshot:
        """End the run: it is evaluated on the test digits and kept in records."""
        return self._supervisor.command("stop", None, wait)

    def reset(self, settings: Settings | None = None, dataset: Dataset | None = None,
              wait: float = 30.0) -> Snapshot:
        """A new run with new random weights from the seed (ending the current run if it trained)."""
        return self._supervisor.command("reset", (settings, dataset), wait)

    def set_probe(self, image: np.ndarray | None) -> None:
        probe = None if image is None else np.array(image, np.float32).reshape(28, 28)
        supervisor = self._supervisor
        with supervisor.lock:
            current = supervisor.probe_image
            if (probe is None) != (current is None) or (probe is not None and not np.array_equal(probe, current)):
                if probe is not None:
                    probe.setflags(write=False)
                supervisor.probe_image = probe
                supervisor.post("probe", probe)

    def wait_for(self, condition: Callable[[Snapshot], bool], timeout: float = 60.0) -> Snapshot:
        """The first snapshot that satisfies condition (TimeoutError after timeout seconds)."""
        deadline = time.monotonic() + timeout
        cond = self._supervisor.published_cond
        with cond:
            while True:
                snapshot = self._supervisor.snapshot
                if condition(snapshot):
                    return snapshot
                if self._supervisor.closed:
                    raise RuntimeError(f"the trainer closed while {snapshot.status}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"trainer still {snapshot.status} at step {snapshot.step} after {timeout} s")
                cond.wait(min(left, 0.5))

    def close(self, wait: bool = True, reason: str = "") -> None:
        """End the worker (a run in progress is stopped and recorded first)."""
        self._supervisor.close(wait, reason)
