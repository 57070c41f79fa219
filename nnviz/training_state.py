"""What the server and the training workers share: immutable snapshots, the server-wide cap on
concurrent runs (Pool), the trainers a browser session owns (Lease), and the rules a run follows."""

from __future__ import annotations

import dataclasses
import gc
import math
import os
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from nnviz.evaluation import Evaluation
from nnviz.network import Network
from nnviz.run_record import ENDED, History
from nnviz.settings import Settings

if TYPE_CHECKING:
    from nnviz.training import Trainer

ACTIVE = ("queued", "training")   # statuses in which a run is (waiting to be) training
VAL_PER_EPOCH = 4                 # validation checks on the fixed subset per epoch
VAL_SUBSET = 500                  # size of that subset
CHUNK_SECONDS = 0.1               # target duration of one compiled call (→ ~10 snapshots/s)
MAX_CHUNK = 512                   # batches per call, at most
DIVERGED_LOSS = 1000.0            # chance level is ln 10 ≈ 2.3; a loss of 1,000 has blown up
RATE_WINDOW = 20                  # chunks in the samples/s window
DEFAULT_MAX_TRAINERS = 2
CHANCE_LOSS = math.log(10)        # the loss of guessing all ten digits equally: ≈ 2.3
CHANCE_ACCURACY = 0.2             # validation accuracy at most this after an epoch: still guessing (chance is 0.1)
JUDGE_AFTER_STEPS = 100           # too early to call a run stalled before this many steps
STUCK_LOSS = 1.0                  # a plateau above this loss is stuck (a trained network gets below 0.3)


def max_trainers(environ: Mapping[str, str] = os.environ) -> int:
    """The server's cap on concurrent training runs: env NNVIZ_MAX_TRAINERS (≥ 1), else 2."""
    try:
        return max(1, int(environ.get("NNVIZ_MAX_TRAINERS", DEFAULT_MAX_TRAINERS)))
    except ValueError:
        return DEFAULT_MAX_TRAINERS


def divergence(losses: np.ndarray) -> str | None:
    """Why a chunk's batch losses mean the run diverged, or None.

    NaN or infinity is divergence by definition. Adam rarely gets there (its steps have a bounded
    size), but a too-large learning rate sends the loss into the thousands, which is just as hopeless.
    """
    losses = np.asarray(losses)
    if not np.isfinite(losses).all():
        return "the loss became NaN or infinite"
    if losses.size and losses.max() > DIVERGED_LOSS:
        return f"the loss exploded to {losses.max():,.0f} (guessing at random gives 2.3)"
    return None


def diverged_at(losses: np.ndarray) -> int | None:
    """The position of the first batch loss that counts as divergence (see divergence), or None."""
    bad = ~np.isfinite(losses) | (np.nan_to_num(losses, nan=np.inf) > DIVERGED_LOSS)
    return int(np.argmax(bad)) if bad.any() else None


def stalled(step: int, epoch_losses, epoch_val_accuracies) -> str | None:
    """Why a run that has not diverged has stopped learning, judged at the end of an epoch, or None.

    A too-large learning rate can leave the loss high but finite (sigmoid at learning rate 10 sits
    near 195, far below DIVERGED_LOSS) or stuck on a high plateau: training goes on and gets nowhere.
    Judged only after a full epoch and JUDGE_AFTER_STEPS steps, so a young run is never blamed; a
    plateau counts only above STUCK_LOSS, since a run that has learned also levels off.
    """
    losses, accuracies = list(epoch_losses), list(epoch_val_accuracies)
    if not losses or step < JUDGE_AFTER_STEPS:
        return None
    epochs = plural(len(losses), "epoch")
    if accuracies and accuracies[-1] <= CHANCE_ACCURACY:
        return f"after {epochs} it is right on only {accuracies[-1]:.0%} of the validation digits, " \
               "about as often as guessing (10%)"
    if losses[-1] > CHANCE_LOSS:
        return f"after {epochs} its loss is {losses[-1]:,.1f}, worse than guessing at random (2.3)"
    if len(losses) >= 4 and min(losses[-3:]) >= 0.99 * min(losses[:-3]) and losses[-1] > STUCK_LOSS:
        return f"its loss has not improved for 3 epochs (still {losses[-1]:,.2f})"
    return None


def plural(count: int, noun: str) -> str:
    """'1 step', '2 steps', '1,000 steps'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def queued_message(limit: int, position: int | None) -> str:
    """What a run waiting for a training slot tells its page (position: 1 for next in line)."""
    ahead = "you are next" if position in (None, 1) else \
        f"{plural(position - 1, 'other run')} {'is' if position == 2 else 'are'} ahead of you"
    return (f"Queued: this server trains at most {plural(limit, 'run')} at once, and they are all busy; "
            f"{ahead}. Training starts by itself when a slot frees up.")


def frozen(value):
    """Make every array inside a (nested) dataclass read-only again, as after __post_init__. Unpickling
    (a snapshot that came over the pipe) restores arrays writeable, and snapshots are shared."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            frozen(getattr(value, f.name))
    return value


def settle_heap() -> None:
    """Collect garbage once, then exempt everything alive from later collections.

    Streamlit runs a full gc.collect() after every script run (and, once Keras is imported, again in
    keras.backend.clear_session). With TensorFlow loaded that walks ~400k objects for ~0.3 s while
    holding the GIL, so a page refreshing twice a second starved a trainer thread (measured in the
    served app when training ran in the server: 60 batches took 0.6 s instead of 0.05 s), and now
    still costs every page's rerun. Training workers call it once TensorFlow is loaded too. Frozen objects
    are still freed by reference counting, and unfreezing first lets the previous run's cyclic garbage
    go, so memory stays bounded.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def held_out_split(n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions in x_test for validation (even) and for the final test (odd).

    Validation steers decisions while training, so it must not be the digits the final test uses.
    Interleaving keeps both halves alike (full MNIST's test set is easier in its first half).
    """
    positions = np.arange(n_test)
    return positions[0::2], positions[1::2]


class Pool:
    """A server-wide cap on concurrent training runs; runs beyond it wait in line (first come, first served).

    Shared by every session through st.cache_resource (not a module global). Its build_lock also
    serialises model building, because Keras seeds initial weights from process-global random state.
    """

    def __init__(self, limit: int = DEFAULT_MAX_TRAINERS):
        self.limit = max(1, int(limit))
        self.build_lock = threading.Lock()
        self._cond = threading.Condition()
        self._active: list[object] = []
        self._waiting: list[object] = []

    def acquire(self, owner: object, timeout: float = 0.0) -> bool:
        """Take a slot for owner, waiting up to timeout; if none is free, owner keeps its place in line."""
        with self._cond:
            if owner in self._active:
                return True
            if owner not in self._waiting:
                self._waiting.append(owner)
            # Its place can be given up meanwhile (release from another thread): then it is never first.
            granted = self._cond.wait_for(
                lambda: bool(self._waiting) and self._waiting[0] is owner and len(self._active) < self.limit,
                timeout)
            if granted:
                self._waiting.remove(owner)
                self._active.append(owner)
            return granted

    def release(self, owner: object) -> None:
        """Give back owner's slot, or its place in line."""
        with self._cond:
            for line in (self._active, self._waiting):
                if owner in line:
                    line.remove(owner)
            self._cond.notify_all()

    def holds(self, owner: object) -> bool:
        with self._cond:
            return owner in self._active

    def position(self, owner: object) -> int | None:
        """1 for next in line, 2 behind one other run, …; None when not waiting."""
        with self._cond:
            return self._waiting.index(owner) + 1 if owner in self._waiting else None

    @property
    def active_count(self) -> int:
        with self._cond:
            return len(self._active)


class Lease:
    """The trainers one browser session owns. Streamlit releases a session-scoped resource when its
    session disconnects (a closed tab); release() then ends these trainers. Weak references, so a
    trainer that is dropped for another reason is not kept alive by its lease."""

    def __init__(self):
        self._trainers: weakref.WeakSet[Trainer] = weakref.WeakSet()
        self._lock = threading.Lock()

    def watch(self, trainer: Trainer) -> None:
        with self._lock:
            self._trainers.add(trainer)

    def release(self) -> None:
        with self._lock:
            trainers = list(self._trainers)
        for trainer in trainers:
            trainer.close(wait=False, reason="The browser tab was closed, so its training stopped.")


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
    status: str                        # starting, ready, queued, training, paused, or one of ENDED, closed
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
        return self.status in ACTIVE

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def in_progress(self) -> bool:
        """Started and not ended: changing its settings would mix two runs."""
        return self.step > 0 and not self.ended and self.status != "closed"
