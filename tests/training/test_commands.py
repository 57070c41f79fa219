"""The Train page's buttons, decided from a snapshot and the controls' settings: every row of the table."""

import pytest

from nnviz.settings import Settings
from nnviz.training.commands import (
    CHANGED,
    PICTURES_SECONDS,
    POLL_SECONDS,
    QUEUED_POLL_SECONDS,
    Action,
    Decision,
    decide,
    pictures_seconds,
    poll_seconds,
    settings_changed,
)
from nnviz.training.snapshot import Snapshot
from nnviz.training.status import Command, Status

RUN = Settings(width=16, train_size=512, seed=3)
OTHER = RUN.replace(width=64)


def snap(status: Status, step: int = 0, settings: Settings = RUN) -> Snapshot:
    return Snapshot(1, "abc", "Run 1", settings, "MNIST sample", status, step=step)


TRAINING, QUEUED = snap(Status.TRAINING, 10), snap(Status.QUEUED, 0)
READY, PAUSED = snap(Status.READY), snap(Status.PAUSED, 10)
STOPPED, FAILED, CLOSED = snap(Status.STOPPED, 10), snap(Status.FAILED, 3), snap(Status.CLOSED, 10)
FINISHED, DIVERGED, STARTING = snap(Status.FINISHED, 30), snap(Status.DIVERGED, 5), snap(Status.STARTING)

ROWS = [
    # (action, snapshot, chosen settings, decision)
    ("play", TRAINING, RUN, Decision(message=("info", "Already training."))),
    ("play", QUEUED, RUN, Decision(message=("info", "Already training."))),
    ("step", TRAINING, RUN, Decision(message=("info", "Pause first: Step trains exactly one batch while paused."))),
    ("play", PAUSED, OTHER, Decision(message=("warning", CHANGED))),
    ("step", PAUSED, OTHER, Decision(message=("warning", CHANGED))),
    ("play", PAUSED, RUN, Decision(command=Command.PLAY)),
    ("step", PAUSED, RUN, Decision(command=Command.STEP)),
    ("play", READY, RUN, Decision(command=Command.PLAY)),
    ("play", STARTING, RUN, Decision(command=Command.PLAY)),
    ("step", READY, RUN, Decision(command=Command.STEP)),
    ("play", READY, OTHER, Decision(new_run=True, command=Command.PLAY)),   # untrained: new settings, new run
    ("step", READY, OTHER, Decision(new_run=True, command=Command.STEP)),
    ("play", STOPPED, RUN, Decision(new_run=True, command=Command.PLAY)),   # an ended run never restarts
    ("play", FINISHED, OTHER, Decision(new_run=True, command=Command.PLAY)),
    ("step", DIVERGED, RUN, Decision(new_run=True, command=Command.STEP)),
    ("play", FAILED, RUN, Decision(new_run=True, command=Command.PLAY)),
    ("play", CLOSED, RUN, Decision(new_run=True, command=Command.PLAY)),
    ("pause", READY, RUN, Decision(message=("info", "Nothing is training, so there is nothing to pause."))),
    ("pause", PAUSED, RUN, Decision(message=("info", "Nothing is training, so there is nothing to pause."))),
    ("pause", TRAINING, RUN, Decision(command=Command.PAUSE)),
    ("pause", QUEUED, RUN, Decision(command=Command.PAUSE)),
    ("stop", READY, RUN, Decision(message=("info", "Nothing is training, so there is nothing to stop. "
                                                   "Press Train to start."))),
    ("stop", STOPPED, RUN, Decision(message=("info", "Nothing is training, so there is nothing to stop. "
                                                     "Press Train to start."))),
    ("stop", CLOSED, RUN, Decision(message=("info", "Nothing is training, so there is nothing to stop. "
                                                    "Press Train to start."))),
    ("stop", TRAINING, RUN, Decision(command=Command.STOP, message=(
        "success", "Run 1 stopped and was tested on the held-out digits: see below."))),
    ("stop", PAUSED, OTHER, Decision(command=Command.STOP, message=(
        "success", "Run 1 stopped and was tested on the held-out digits: see below."))),
    ("reset", PAUSED, OTHER, Decision(new_run=True, message=(
        "success", "A new run with fresh random weights from seed 3. Run 1 is kept for comparison."))),
    ("reset", READY, RUN.replace(seed=9), Decision(new_run=True, message=(
        "success", "A new run with fresh random weights from seed 9."))),
    ("undo", PAUSED, OTHER, Decision(restore=RUN)),
]


@pytest.mark.parametrize(("action", "snapshot", "chosen", "expected"), ROWS)
def test_every_row_of_the_button_table(action, snapshot, chosen, expected):
    assert decide(action, snapshot, chosen) == expected
    assert decide(Action(action), snapshot, chosen) == expected


@pytest.mark.parametrize(("snapshot", "chosen", "changed"), [
    (PAUSED, OTHER, True), (TRAINING, OTHER, True),        # started, not ended: changing would mix two runs
    (PAUSED, RUN, False),                                  # the same settings
    (READY, OTHER, False), (QUEUED, OTHER, False),         # nothing trained yet: Train starts the new run
    (STOPPED, OTHER, False), (CLOSED, OTHER, False),       # over: Train starts a new run anyway
])
def test_settings_changed_mid_run(snapshot, chosen, changed):
    assert settings_changed(snapshot, chosen) is changed


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError):
        decide("rewind", PAUSED, RUN)


@pytest.mark.parametrize(("status", "awaiting_step", "seconds"), [
    (Status.TRAINING, False, POLL_SECONDS),
    (Status.STARTING, False, POLL_SECONDS),          # a worker builds the run: it will be ready soon
    (Status.QUEUED, False, QUEUED_POLL_SECONDS),     # only the queue position changes
    (Status.READY, False, None),
    (Status.PAUSED, False, None),
    (Status.READY, True, POLL_SECONDS),              # a Step asked for: poll until it shows
    (Status.PAUSED, True, POLL_SECONDS),
    (Status.QUEUED, True, POLL_SECONDS),
    (Status.FINISHED, False, None), (Status.STOPPED, False, None), (Status.DIVERGED, False, None),
    (Status.FAILED, True, None),                      # a Step that can no longer come
    (Status.STOPPED, True, None),
    (Status.CLOSED, True, None),
    ("training", False, POLL_SECONDS),               # a status read back as its plain word
])
def test_how_often_the_live_views_poll(status, awaiting_step, seconds):
    assert poll_seconds(status, awaiting_step) == seconds


def test_the_pictures_poll_at_most_once_a_second_and_only_with_the_live_views():
    assert QUEUED_POLL_SECONDS > POLL_SECONDS < PICTURES_SECONDS
    assert pictures_seconds(POLL_SECONDS) == PICTURES_SECONDS
    assert pictures_seconds(QUEUED_POLL_SECONDS) == QUEUED_POLL_SECONDS
    assert pictures_seconds(None) is None
