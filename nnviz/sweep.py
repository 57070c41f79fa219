"""Sweeps: one setting trained at several values, one run after another (the table, and the pure state machine).

    spec = SWEEPS["width"]                       # what a sweep varies, its values and the settings it keeps
    sweep, order = new_sweep(spec).handle(Event.START, now)      # order: start run 0
    sweep, order = sweep.handle(Event.ENDED, now, Result(...))   # the next run, or done

The glue (nnviz/app/sweep_page.py) carries out each Order on the session's trainer and feeds back
what happened as Events; every rule lives here, so it is tested without Streamlit or a worker.
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from nnviz.settings import SPEC, Settings
from nnviz.text import count

ALL = 60_000  # "all" training digits: a run trains on min(this, the dataset's own)

# The settings a sweep keeps fixed: small enough that a whole sweep on the bundled sample (8,000 training
# digits) ends within about 2 minutes on a 2-core machine, large enough that the curves tell their lesson
# (benchmarks/sweeps.py measures every sweep).
# No dropout, so the overfitting gap shows plainly (the dropout sweep shows what dropout does to it).
BASE = Settings(width=128, dropout=0.0, train_size=2_000, epochs=5, batch_size=32, seed=0)


@dataclass(frozen=True)
class SweepSpec:
    """One sweep: the setting it varies, the values it trains, and the question its chart answers."""

    key: str                       # the swept setting's name (in settings.SPEC)
    title: str                     # the picker's label
    values: tuple                  # one run per value, in this order
    question: str
    answer: str                    # plain sentences under the chart
    log: bool = False              # the chart's x axis is logarithmic
    base: Settings = BASE
    epochs: tuple[int, ...] = ()   # each value's epochs, if they differ (few digits need more passes)

    @property
    def label(self) -> str:
        return SPEC[self.key].label

    def settings(self, value) -> Settings:
        """The run for one value: the base settings with the swept setting at that value."""
        epochs = self.epochs[self.values.index(value)] if self.epochs else self.base.epochs
        return self.base.replace(**{self.key: value, "epochs": epochs})

    def fixed_text(self) -> str:
        """What every run of this sweep shares, in words (the swept setting left out)."""
        b = self.base
        parts = {"width": f"a hidden layer of {b.width}", "dropout": f"dropout {b.dropout:g}",
                 "train_size": f"{b.train_size:,} training digits"}
        left_out = {self.key, "width"} if self.key == "depth" else {self.key}  # depth sets every layer's width
        kept = [text for name, text in parts.items() if name not in left_out]
        epochs = (f"epochs {', '.join(map(str, self.epochs))} in turn (fewer digits, more passes)" if self.epochs
                  else f"{b.epochs} epochs")
        return ", ".join([*kept, epochs, f"batch {b.batch_size}", f"seed {b.seed}"])

    def values_text(self) -> str:
        return ", ".join(self.value_text(v) for v in self.values)

    def planned(self, n_train: int) -> tuple[list, list[str]]:
        """Every value the sweep trains as it trains them on a dataset of n_train digits ("all" is
        n_train), and their labels for the chart's axis."""
        values = [min(v, n_train) if self.key == "train_size" else v for v in self.values]
        labels = [f"all ({n_train:,})" if self.key == "train_size" and v >= ALL else self.value_text(v)
                  for v in self.values]
        return values, labels

    def value_text(self, value) -> str:
        if self.key == "train_size" and value >= ALL:
            return "all"
        return f"{value:,}" if isinstance(value, int) else f"{value:g}"


SWEEPS: dict[str, SweepSpec] = {spec.key: spec for spec in (
    SweepSpec("width", "Hidden width: why 128 neurons?", (8, 16, 32, 64, 128, 256, 512),
              "Why 128 neurons?",
              "Validation accuracy climbs steeply from 8 to about 64 neurons, then flattens out: past 128, more "
              "neurons cost more weights and time but barely help on digits the network has not seen. Meanwhile "
              "training accuracy keeps rising, so the shaded overfitting gap widens: a bigger layer memorises more.",
              log=True),
    SweepSpec("train_size", "Training digits: why thousands per class?", (100, 300, 1_000, 3_000, ALL),
              "Why thousands of digits per class?",
              "With 100 digits (10 per class) the network learns its training digits almost perfectly and "
              "still fails on new ones: a wide overfitting gap. Every extra digit narrows the gap and lifts "
              "validation and test accuracy, which is why MNIST has about 6,000 training digits per class.",
              log=True, epochs=(100, 30, 10, 5, 5)),
    SweepSpec("dropout", "Dropout: does switching neurons off help?", (0.0, 0.2, 0.4, 0.6),
              "What does dropout do?",
              "Dropout switches hidden neurons off at random while training. Training accuracy (measured with "
              "dropout on, as it trains) drops as the rate rises, so the overfitting gap narrows; validation "
              "accuracy changes much less. Dropout fights memorising; it does not add knowledge."),
    SweepSpec("depth", "Hidden layers: does deeper help?", (1, 2, 3, 4),
              "Does a deeper network do better?",
              "The layers are 128, 64, 32 and 16 neurons wide, added one at a time. On MNIST one hidden layer "
              "already does most of the work: extra layers add little validation accuracy and take longer "
              "to train."),
)}


class Phase(enum.StrEnum):
    """Where a sweep stands."""

    READY = "ready"          # made, not started
    RUNNING = "running"      # a run trains (or is about to start)
    PAUSED = "paused"        # its run is paused, or the next run waits for Resume
    CANCELLED = "cancelled"  # stopped by the user: its finished runs stay
    DONE = "done"            # every run ended

    @property
    def over(self) -> bool:
        return self in (Phase.CANCELLED, Phase.DONE)


class Event(enum.StrEnum):
    """What happens to a sweep: a button, or news from the trainer."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    ENDED = "ended"          # the sweep's current run ended (its Result comes with it)
    LOST = "lost"            # the trainer is busy with a run the sweep did not start (e.g. from the Train page)


class Do(enum.StrEnum):
    """What the glue does to the trainer."""

    NOTHING = "nothing"
    START_RUN = "start_run"  # a new run with run_settings(), then train it
    PAUSE_RUN = "pause_run"
    PLAY_RUN = "play_run"    # train the paused current run on
    STOP_RUN = "stop_run"    # end the current run


@dataclass(frozen=True)
class Result:
    """One finished run of a sweep: its swept value, final accuracies and how long it took (wall time)."""

    value: int | float
    train_accuracy: float
    val_accuracy: float
    test_accuracy: float
    seconds: float
    run_id: str = ""         # the trainer's id of the run
    status: str = "finished"


@dataclass(frozen=True)
class Order:
    do: Do = Do.NOTHING
    message: tuple[str, str] | None = None   # (level, text) for the page, if any


@dataclass(frozen=True)
class Sweep:
    """A sweep under way: immutable; handle() returns the next Sweep and what to do."""

    spec: SweepSpec
    sweep_id: str
    phase: Phase = Phase.READY
    results: tuple[Result, ...] = ()
    current: str = ""            # the trainer's run id of the run under way ("" between runs)
    run_started: float | None = None   # monotonic time the current run was started
    started: float = 0.0

    @property
    def index(self) -> int:
        """The position of the run under way (or next to start)."""
        return len(self.results)

    @property
    def total(self) -> int:
        return len(self.spec.values)

    @property
    def left(self) -> int:
        """Runs not finished yet (the one under way included)."""
        return self.total - len(self.results)

    @property
    def value(self):
        """The swept value of the run under way or next to start (None once all have run)."""
        return self.spec.values[self.index] if self.index < self.total else None

    def run_settings(self) -> Settings:
        return self.spec.settings(self.value)

    def handle(self, event: Event | str, now: float, result: Result | None = None) -> tuple[Sweep, Order]:
        """The sweep after `event` at monotonic time `now`, and what the trainer must do. Redundant
        presses get a message, never an error."""
        event = Event(event)
        if self.phase.over:
            return self, Order(message=("info", f"This sweep is {self.phase.value}. Press Run to start a new one."))
        if event == Event.ENDED:
            return self._ended(now, result)
        return {Event.START: self._start, Event.LOST: self._lost, Event.PAUSE: self._pause,
                Event.RESUME: self._resume, Event.CANCEL: self._cancel}[event](now)

    def _start(self, now: float) -> tuple[Sweep, Order]:
        if self.phase != Phase.READY:
            return self, Order(message=("info", "This sweep is already under way."))
        return self._next(replace(self, started=now), now)

    def _ended(self, now: float, result: Result | None) -> tuple[Sweep, Order]:
        done = replace(self, results=(*self.results, result), current="", run_started=None)
        if self.phase == Phase.PAUSED:  # e.g. stopped on the Train page while the sweep was paused
            return replace(done, phase=Phase.DONE) if done.left == 0 else done, Order()
        return done._next(done, now)

    def _lost(self, now: float) -> tuple[Sweep, Order]:
        if self.phase != Phase.RUNNING:
            return self, Order()
        return (replace(self, phase=Phase.PAUSED, current="", run_started=None),
                Order(message=("warning", "Another run took over the trainer, so the sweep is paused. "
                                          f"Press Resume to train its run {self.index + 1} again.")))

    def _pause(self, now: float) -> tuple[Sweep, Order]:
        if self.phase != Phase.RUNNING:
            return self, Order(message=("info", "The sweep is not running, so there is nothing to pause."))
        return replace(self, phase=Phase.PAUSED), Order(Do.PAUSE_RUN if self.current else Do.NOTHING)

    def _resume(self, now: float) -> tuple[Sweep, Order]:
        if self.phase != Phase.PAUSED:
            return self, Order(message=("info", "The sweep is not paused."))
        if self.current:
            return replace(self, phase=Phase.RUNNING), Order(Do.PLAY_RUN)
        return self._next(self, now)

    def _cancel(self, now: float) -> tuple[Sweep, Order]:
        kept = f" Its {count(len(self.results), 'finished run')} stay{'s' if len(self.results) == 1 else ''} saved."
        return (replace(self, phase=Phase.CANCELLED, run_started=None),
                Order(Do.STOP_RUN if self.current else Do.NOTHING, ("success", "Sweep cancelled." + kept)))

    def _next(self, sweep: Sweep, now: float) -> tuple[Sweep, Order]:
        if sweep.left == 0:
            return replace(sweep, phase=Phase.DONE), Order(message=("success", "The sweep is done: every run "
                                                                             "is saved under Runs & models."))
        return replace(sweep, phase=Phase.RUNNING, run_started=now), Order(Do.START_RUN)

    def running(self, run_id: str) -> Sweep:
        """The run the glue started for the current value."""
        return replace(self, current=run_id)

    def adopt(self, trainer_run_id: str) -> Sweep:
        """A run started for this sweep whose id was not known yet (its worker took longer to build it
        than the glue waited): the trainer's new run, once it has one that is none of the finished runs'."""
        finished = {r.run_id for r in self.results}
        if self.phase != Phase.RUNNING or self.current or not trainer_run_id or trainer_run_id in finished:
            return self
        return self.running(trainer_run_id)

    def eta_seconds(self, now: float) -> float | None:
        """Estimated seconds until the sweep ends: the mean wall time of its finished runs for each run
        left, less the current run's time so far. None before any run finished, or when over."""
        if self.phase.over or not self.results:
            return None
        mean = sum(r.seconds for r in self.results) / len(self.results)
        elapsed = now - self.run_started if self.run_started is not None else 0.0
        return max(0.0, mean * self.left - elapsed)

    def progress_text(self, now: float) -> str:
        """One line: which run, how many are left, and an estimated time."""
        if self.phase == Phase.DONE:
            return f"All {self.total} runs finished."
        if self.phase == Phase.CANCELLED:
            return f"Cancelled after {count(len(self.results), 'finished run')} of {self.total}."
        where = (f"Run {self.index + 1} of {self.total}: {self.spec.label.lower()} "
                 f"{self.spec.value_text(self.value)}. {count(self.left - 1, 'run')} left after it")
        eta = self.eta_seconds(now)
        when = "; estimating the time once the first run ends." if eta is None else f"; about {eta_text(eta)} to go."
        return where + (" (paused)." if self.phase == Phase.PAUSED else when)

    def points(self) -> dict[str, list[float]]:
        """The chart's arrays, one entry per finished run, in the order the values were trained."""
        return {"value": [r.value for r in self.results],
                "train": [r.train_accuracy for r in self.results],
                "val": [r.val_accuracy for r in self.results],
                "test": [r.test_accuracy for r in self.results]}


def new_sweep(spec: SweepSpec, sweep_id: str | None = None) -> Sweep:
    return Sweep(spec, sweep_id or uuid.uuid4().hex[:12])


def eta_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"


def result_of(value, final: dict[str, float], seconds: float, run_id: str = "", status: str = "finished") -> Result:
    """A Result from a run record's final() metrics (NaN where the run never got there)."""
    return Result(value, final.get("train_accuracy", math.nan), final.get("val_accuracy", math.nan),
                  final.get("test_accuracy", math.nan), seconds, run_id, status)



POLL_SECONDS = 1.0  # while a sweep runs, its page checks for an ended run this often


def poll_seconds(sweep: Sweep | None) -> float | None:
    """How often the sweeps page polls (None: never). Only while running: a paused or finished sweep
    changes only on a click, and an idle poll can swallow one."""
    return POLL_SECONDS if sweep is not None and sweep.phase == Phase.RUNNING else None


def news(sweep: Sweep, trainer_run_id: str, ended_ids: set[str] | frozenset[str]) -> Event | None:
    """What the trainer's state means for the sweep: its run ended (ENDED), another run took the trainer
    over (LOST), or nothing yet (None). trainer_run_id is the run the trainer holds now."""
    if sweep.phase not in (Phase.RUNNING, Phase.PAUSED) or not sweep.current:
        return None
    if sweep.current in ended_ids:
        return Event.ENDED
    if trainer_run_id and trainer_run_id != sweep.current:
        return Event.LOST
    return None


def earlier_sweeps(groups: Mapping[str, Sequence], current_id: str | None) -> dict[str, Sequence]:
    """Saved sweeps worth showing again (run_store.RunStore.sweeps()): of a setting this table still
    has, other than the sweep on screen."""
    return {key: runs for key, runs in groups.items()
            if key != current_id and runs and runs[0].sweep.setting in SWEEPS}


def saved_points(runs: Sequence) -> dict[str, list[float]]:
    """As Sweep.points(), from a saved sweep's runs (run_store.SavedRun, in the sweep's order)."""
    return {"value": [r.sweep.value for r in runs], "train": [r.train_accuracy for r in runs],
            "val": [r.val_accuracy for r in runs], "test": [r.test_accuracy for r in runs]}


def saved_label(runs: Sequence) -> str:
    """A saved sweep in a picker: 'Hidden width · 7 of 7 runs · 2026-12-02 02:10' (its last run's time)."""
    tag = runs[0].sweep
    return f"{SWEEPS[tag.setting].label} · {len(runs)} of {count(tag.total, 'run')} · {runs[-1].when}"
