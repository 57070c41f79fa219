"""Plain data about runs: the metrics history a trainer publishes, and the JSON-ready record of a run.

A RunRecord keeps what a finished or stopped run needs for comparison and evaluation (settings,
curves, final metrics, test predictions), converts to and from plain JSON types (to_dict/from_dict),
and holds no weights, so saving runs to disk later is a json.dump away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from nnviz.evaluation import Evaluation
from nnviz.settings import Settings, width_text

ENDED = ("finished", "stopped", "diverged", "failed")  # statuses a record can have


@dataclass(frozen=True)
class SweepTag:
    """How a run belongs to a sweep (nnviz/sweep.py): the sweep's id, the setting it varied, this run's
    value of it and its place among the sweep's runs. Runs saved before sweeps existed have none."""

    sweep_id: str
    setting: str
    value: int | float
    index: int
    total: int

    def to_dict(self) -> dict:
        return {"sweep_id": self.sweep_id, "setting": self.setting, "value": self.value,
                "index": self.index, "total": self.total}

    @classmethod
    def from_dict(cls, d: dict) -> SweepTag:
        """ValueError if a field is missing or of the wrong kind."""
        try:
            value = d["value"]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError("value")
            return cls(str(d["sweep_id"]), str(d["setting"]), value, int(d["index"]), int(d["total"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"a run's sweep is missing or has a bad {exc}") from None


def _frozen(values, dtype) -> np.ndarray:
    array = np.array(values, dtype=dtype)  # always a copy: the trainer keeps appending to its own lists
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class History:
    """Training curves, all indexed by optimiser step (batch number, from 1).

    Training loss/accuracy are per batch; validation on the fixed subset is measured several times
    per epoch; validation on the full split, and the epoch's mean training metrics, once per epoch.
    """

    steps_per_epoch: int = 1
    step: np.ndarray = field(default_factory=lambda: _frozen([], np.int64))
    loss: np.ndarray = field(default_factory=lambda: _frozen([], np.float32))
    accuracy: np.ndarray = field(default_factory=lambda: _frozen([], np.float32))
    val_step: np.ndarray = field(default_factory=lambda: _frozen([], np.int64))
    val_loss: np.ndarray = field(default_factory=lambda: _frozen([], np.float32))
    val_accuracy: np.ndarray = field(default_factory=lambda: _frozen([], np.float32))
    epoch_step: np.ndarray = field(default_factory=lambda: _frozen([], np.int64))
    epoch_loss: np.ndarray = field(default_factory=lambda: _frozen([], np.float32))
    epoch_accuracy: np.ndarray = field(default_factory=lambda: _frozen([], np.float32))
    epoch_val_loss: np.ndarray = field(default_factory=lambda: _frozen([], np.float32))
    epoch_val_accuracy: np.ndarray = field(default_factory=lambda: _frozen([], np.float32))

    GROUPS = (("step", "loss", "accuracy"), ("val_step", "val_loss", "val_accuracy"),
              ("epoch_step", "epoch_loss", "epoch_accuracy", "epoch_val_loss", "epoch_val_accuracy"))

    def __post_init__(self):
        for group in self.GROUPS:
            arrays = [getattr(self, name) for name in group]
            if len({len(a) for a in arrays}) != 1 or any(np.ndim(a) != 1 for a in arrays):
                raise ValueError(f"history columns {group} must be flat and equally long")
            for name in group:
                kind = np.int64 if name.endswith("step") else np.float32
                object.__setattr__(self, name, _frozen(getattr(self, name), kind))
        if self.steps_per_epoch < 1:
            raise ValueError("steps_per_epoch must be at least 1")

    def epochs(self, steps: np.ndarray) -> np.ndarray:
        """Steps → epochs (fractional), the x axis of every curve."""
        return np.asarray(steps, np.float64) / self.steps_per_epoch

    def to_dict(self) -> dict:
        d = {"steps_per_epoch": int(self.steps_per_epoch)}
        for f in fields(self)[1:]:
            d[f.name] = [None if not math.isfinite(v) else v for v in getattr(self, f.name).tolist()]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> History:
        columns = {f.name: [math.nan if v is None else v for v in d.get(f.name, [])] for f in fields(cls)[1:]}
        return cls(int(d["steps_per_epoch"]), **columns)


@dataclass(frozen=True, eq=False)
class RunRecord:
    """One finished or stopped run: how it was set up, how it learned, and how it did on the test digits."""

    run_id: str
    name: str                   # "Run 3"
    settings: Settings
    dataset: str                # the dataset's name, e.g. "MNIST sample"
    train_size: int             # training digits actually used (≤ the dataset's)
    status: str                 # one of ENDED
    message: str
    steps: int
    seconds: float              # time spent training
    history: History
    evaluation: Evaluation | None = None
    sweep: SweepTag | None = None   # set once the run is saved as part of a sweep

    def __post_init__(self):
        if self.status not in ENDED:
            raise ValueError(f"a run record's status must be one of {ENDED}")

    @property
    def epochs(self) -> float:
        return self.steps / self.history.steps_per_epoch

    @property
    def label(self) -> str:
        s = self.settings
        return f"{self.name}: {width_text(s.widths)}, dropout {s.dropout:g}, {s.activation}, {self.train_size:,} digits"

    def final(self) -> dict[str, float]:
        """The last epoch's metrics and the test accuracy (NaN where a run never got there)."""
        h = self.history

        def last(a):
            return float(a[-1]) if len(a) else math.nan
        return {"train_loss": last(h.epoch_loss), "train_accuracy": last(h.epoch_accuracy),
                "val_loss": last(h.epoch_val_loss), "val_accuracy": last(h.epoch_val_accuracy),
                "test_accuracy": self.evaluation.accuracy if self.evaluation else math.nan}

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "name": self.name, "settings": self.settings.as_dict(),
                "dataset": self.dataset, "train_size": self.train_size, "status": self.status,
                "message": self.message, "steps": self.steps, "seconds": round(self.seconds, 3),
                "history": self.history.to_dict(),
                "evaluation": self.evaluation.to_dict() if self.evaluation else None,
                **({"sweep": self.sweep.to_dict()} if self.sweep else {})}  # only then: older readers see no change

    @classmethod
    def from_dict(cls, d: dict) -> RunRecord:
        """The inverse of to_dict; the settings are re-checked against the table (ValueError if bad)."""
        try:
            settings = Settings(**d["settings"])
        except TypeError as exc:  # a setting the table does not know
            raise ValueError(f"unknown setting in a run record: {exc}") from None
        return cls(str(d["run_id"]), str(d["name"]), settings, str(d["dataset"]),
                   int(d["train_size"]), str(d["status"]), str(d["message"]), int(d["steps"]),
                   float(d["seconds"]), History.from_dict(d["history"]),
                   Evaluation.from_dict(d["evaluation"]) if d.get("evaluation") else None,
                   SweepTag.from_dict(d["sweep"]) if d.get("sweep") else None)
