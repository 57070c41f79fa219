"""The words a run and its worker speak: a run's statuses and the commands a trainer takes."""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    """Where a run stands. A str, so a status reads, compares and saves as its plain word."""

    STARTING = "starting"   # a worker is building the run
    READY = "ready"         # built, not trained yet
    QUEUED = "queued"       # waiting for a training slot
    TRAINING = "training"
    PAUSED = "paused"
    FINISHED = "finished"   # trained all its epochs
    STOPPED = "stopped"     # stopped by the user (or a closed tab)
    DIVERGED = "diverged"
    FAILED = "failed"
    CLOSED = "closed"       # its trainer ended: nothing more will happen

    @property
    def active(self) -> bool:
        """Training, or waiting in line to."""
        return self in ACTIVE

    @property
    def ended(self) -> bool:
        """A run that ended this way is recorded (run_record.ENDED)."""
        return self in ENDED


ACTIVE = frozenset({Status.QUEUED, Status.TRAINING})
ENDED = frozenset({Status.FINISHED, Status.STOPPED, Status.DIVERGED, Status.FAILED})


class Command(enum.StrEnum):
    """What the server asks of a run's worker (or answers itself while no worker runs)."""

    PLAY = "play"
    PAUSE = "pause"
    STEP = "step"         # train exactly one batch
    STOP = "stop"         # end the run: it is tested and recorded
    RESET = "reset"       # a new run with fresh weights
    REBUILD = "rebuild"   # build again a run that never trained (a new worker for it)
    PROBE = "probe"       # the digit whose probabilities are traced
    RETIRE = "retire"     # an idle worker may end
    CLOSE = "close"       # the trainer ends
