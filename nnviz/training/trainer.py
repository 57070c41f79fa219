"""A session's trainer: the handle a page holds on its runs, which train in a worker process.

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
training rate (compilation excluded), samples_seen / seconds the whole-run rate, and
trainer.published_times the monotonic time of every publication.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

import numpy as np

from nnviz.data import Dataset
from nnviz.run_record import RunRecord
from nnviz.settings import Settings
from nnviz.training.engine import CHUNK_SECONDS
from nnviz.training.pool import Pool
from nnviz.training.snapshot import Snapshot
from nnviz.training.status import Command
from nnviz.training.supervisor import Supervisor


class Trainer:
    """A session's trainer: a handle on the server side of its runs, whose worker process owns the
    Keras model. Dropping the handle (e.g. with its session's state) ends the worker."""

    def __init__(self, dataset: Dataset, settings: Settings, pool: Pool | None = None,
                 chunk_seconds: float = CHUNK_SECONDS, store=None):
        """store: a run_store.RunStore; when given, every run that ends is saved to it (by the worker)."""
        self._supervisor = Supervisor(dataset, settings, pool or Pool(1), chunk_seconds, store)
        # The finalizer holds the supervisor, never self: so the handle can be collected, which ends the worker.
        self._finalizer = weakref.finalize(self, self._supervisor.post, Command.CLOSE, None)

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
        return self._supervisor.command(Command.PLAY, None, wait)

    def pause(self, wait: float = 5.0) -> Snapshot:
        return self._supervisor.command(Command.PAUSE, None, wait)

    def step(self, wait: float = 5.0) -> Snapshot:
        """Train exactly one batch (when not already training)."""
        return self._supervisor.command(Command.STEP, None, wait)

    def stop(self, wait: float = 10.0) -> Snapshot:
        """End the run: it is evaluated on the test digits and kept in records."""
        return self._supervisor.command(Command.STOP, None, wait)

    def reset(self, settings: Settings | None = None, dataset: Dataset | None = None,
              wait: float = 30.0) -> Snapshot:
        """A new run with new random weights from the seed (ending the current run if it trained)."""
        return self._supervisor.command(Command.RESET, (settings, dataset), wait)

    def set_probe(self, image: np.ndarray | None) -> None:
        probe = None if image is None else np.array(image, np.float32).reshape(28, 28)
        supervisor = self._supervisor
        with supervisor.lock:
            current = supervisor.probe_image
            if (probe is None) != (current is None) or (probe is not None and not np.array_equal(probe, current)):
                if probe is not None:
                    probe.setflags(write=False)
                supervisor.probe_image = probe
                supervisor.post(Command.PROBE, probe)

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
