"""What a page sees of a run: immutable snapshots, replaced whole, never changed in place."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from nnviz.evaluation import Evaluation
from nnviz.network import Network
from nnviz.run_record import History
from nnviz.settings import Settings
from nnviz.training.status import Status


@dataclass(frozen=True, eq=False)
class Probe:
    """The probe digit's 10 probabilities after each published step."""

    image: np.ndarray
    step: np.ndarray    # (n,)
    probs: np.ndarray   # (n, 10)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything a page shows about the current run, frozen at one moment."""

    version: int
    run_id: str
    name: str
    settings: Settings
    dataset: str
    status: Status
    message: str = ""
    network: Network | None = None     # the latest finite weights
    step: int = 0                      # batches trained
    optimizer_steps: int = 0           # Adam's own update count (equals step)
    steps_per_epoch: int = 1
    samples_seen: int = 0
    seconds: float = 0.0               # wall time spent training
    samples_per_s: float = 0.0         # recent rate
    eta_seconds: float | None = None   # None when training until paused
    history: History = field(default_factory=History)
    probe: Probe | None = None
    evaluation: Evaluation | None = None
    queue_position: int | None = None

    @property
    def epoch(self) -> float:
        return self.step / self.steps_per_epoch

    @property
    def active(self) -> bool:
        return Status(self.status).active

    @property
    def ended(self) -> bool:
        return Status(self.status).ended

    @property
    def in_progress(self) -> bool:
        """Started and not ended: changing its settings would mix two runs."""
        return self.step > 0 and not self.ended and self.status != Status.CLOSED


def starting(settings: Settings, dataset: str) -> Snapshot:
    """The snapshot of a run a worker is still building."""
    return Snapshot(0, "", "", settings, dataset, Status.STARTING, "Preparing the model…")


def frozen(value):
    """Make every array inside a (nested) dataclass read-only again, as after __post_init__. Unpickling
    (a snapshot that came over the pipe) restores arrays writeable, and snapshots are shared."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, tuple | list):  # e.g. a Network's kernels and biases
        for item in value:
            frozen(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            frozen(getattr(value, f.name))
    return value
