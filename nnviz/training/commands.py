"""What each Train-page button does, decided from the run's snapshot and the settings the controls show.

Pure: decide() returns a Decision that the page's glue carries out, so every rule here is unit-tested
without Streamlit or a worker. Redundant clicks get a message, never an error.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from nnviz.settings import Settings
from nnviz.training.snapshot import Snapshot
from nnviz.training.status import Command, Status

CHANGED = "Your settings changed: start a new run, or undo the changes, first."


class Action(enum.StrEnum):
    """The Train page's buttons."""

    PLAY = "play"
    PAUSE = "pause"
    STEP = "step"
    STOP = "stop"
    RESET = "reset"   # a new run with the chosen settings
    UNDO = "undo"     # put the controls back to the run's settings


@dataclass(frozen=True)
class Decision:
    """What a button press does: optionally start a new run, then send a command; or put the controls
    back; and answer with a message (level: info, warning or success)."""

    new_run: bool = False
    command: Command | None = None
    restore: Settings | None = None
    message: tuple[str, str] | None = None


def settings_changed(snapshot: Snapshot, chosen: Settings) -> bool:
    """The controls no longer show the settings of a run that has started and not ended: training it
    further would mix two runs, so the page asks for a new run or an undo first."""
    return snapshot.in_progress and snapshot.settings != chosen


def needs_new_run(snapshot: Snapshot, chosen: Settings) -> bool:
    """Train or Step must start a new run: the current one ended, or never trained and the settings differ."""
    return snapshot.ended or snapshot.status == Status.CLOSED or (snapshot.step == 0 and snapshot.settings != chosen)


def decide(action: Action | str, snapshot: Snapshot, chosen: Settings) -> Decision:
    """What pressing `action` does to the run in `snapshot`, with `chosen` the settings the controls show."""
    action = Action(action)
    if action in (Action.PLAY, Action.STEP):
        return _train(action, snapshot, chosen)
    if action == Action.PAUSE:
        if not snapshot.active:
            return Decision(message=("info", "Nothing is training, so there is nothing to pause."))
        return Decision(command=Command.PAUSE)
    if action == Action.STOP:
        if not snapshot.in_progress:
            return Decision(message=("info", "Nothing is training, so there is nothing to stop. Press Train to start."))
        return Decision(command=Command.STOP,
                        message=("success", f"{snapshot.name} stopped and was tested on the held-out digits: "
                                            "see below."))
    if action == Action.RESET:
        kept = f" {snapshot.name} is kept for comparison." if snapshot.step else ""
        return Decision(new_run=True, message=("success", f"A new run with fresh random weights from seed "
                                                          f"{chosen.seed}.{kept}"))
    return Decision(restore=snapshot.settings)  # UNDO


def _train(action: Action, snapshot: Snapshot, chosen: Settings) -> Decision:
    if snapshot.active:
        return Decision(message=("info", "Already training." if action == Action.PLAY else
                                 "Pause first: Step trains exactly one batch while paused."))
    if settings_changed(snapshot, chosen):
        return Decision(message=("warning", CHANGED))
    return Decision(new_run=needs_new_run(snapshot, chosen), command=Command(action.value))


POLL_SECONDS = 0.4       # while training: the live numbers and curves refresh at least twice a second
QUEUED_POLL_SECONDS = 2.0  # while queued only the queue position changes: a slower check is enough
PICTURES_SECONDS = 1.0   # the probe digit, weight tiles and layer changes refresh at most this often


def poll_seconds(status: Status, awaiting_step: bool = False) -> float | None:
    """How often the Train page's live views poll the run (None: not at all). Fast while it trains, is
    built, or owes a Step the user asked for; slower while queued; never while ready, paused or ended,
    since nothing changes then without a click (and an idle poll can swallow a click)."""
    status = Status(status)
    if status in (Status.TRAINING, Status.STARTING) or (awaiting_step and not status.ended and status != Status.CLOSED):
        return POLL_SECONDS
    return QUEUED_POLL_SECONDS if status == Status.QUEUED else None


def pictures_seconds(poll: float | None) -> float | None:
    """The heavier live pictures poll with the live views, but at most once every PICTURES_SECONDS."""
    return None if poll is None else max(poll, PICTURES_SECONDS)
