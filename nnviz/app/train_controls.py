"""The Train page's glue: this session's trainer, its buttons (carrying out training.commands.decide),
the overfitting experiment, and when the live views poll."""

from __future__ import annotations

import streamlit as st

from nnviz import data, settings
from nnviz.app import digit_choice, model_choice, run_lists, session
from nnviz.app.datasets import training_dataset
from nnviz.app.resources import sample_dataset, session_lease, training_pool
from nnviz.app.train_settings import restore_controls, user_acted
from nnviz.training.commands import Action, Decision, decide, poll_seconds
from nnviz.training.status import Command, Status
from nnviz.training.trainer import Trainer


def trainer(chosen: settings.Settings, ds: data.Dataset) -> Trainer:
    """This session's trainer, created on first use (or again after its tab disconnected)."""
    current = session.trainer()
    if current is not None and current.closed:
        run_lists.session_runs()  # keep the closed trainer's ended runs
        current = None
    if current is None:
        with st.spinner("Preparing the model…"):
            current = Trainer(ds, chosen, training_pool(), store=run_lists.saved_runs())
        session.set_trainer(current)
    session_lease().watch(current)
    return current


def step_pending() -> bool:
    """True while a Step this session asked for has not shown in its trainer's snapshot yet."""
    current = session.trainer()
    if current is None:
        return False
    snap = current.snapshot
    asked = session.awaited_step() == snap.step
    return asked and not snap.ended and snap.status not in (Status.FAILED, Status.CLOSED)


def live_interval() -> float | None:
    """For any page's @st.fragment(run_every=…): how often this session's run is polled (see
    training.commands.poll_seconds), or None (never)."""
    current = session.trainer()
    return None if current is None else poll_seconds(current.snapshot.status, step_pending())


def press(action: Action | str, chosen: settings.Settings, ds: data.Dataset) -> None:
    """A Train-page button (an on_click callback): what it does is decided by training.commands.decide."""
    t, decision = _record(action, chosen, ds)
    _carry_out(t, decision, chosen, ds)


def _record(action: Action | str, chosen: settings.Settings, ds: data.Dataset) -> tuple[Trainer, Decision]:
    """A press's decision and every session write it makes, done before the trainer's commands (_carry_out).

    A command can block for seconds (a worker starting, a run being tested). When another rerun is asked for
    meanwhile (a click on another page's link), Streamlit ends the callback at its next session-state access,
    so a write after a command was lost: the run trained while every page showed the pretrained model."""
    session.set_experiment(None)  # the user takes over: the experiment starts no more runs
    user_acted()
    t = trainer(chosen, ds)
    decision = decide(action, t.snapshot, chosen)
    if decision.command in (Command.PLAY, Command.STEP):
        first = 0 if decision.new_run else t.snapshot.step  # the step count a Step waits to see pass
        session.set_awaited_step(first if decision.command == Command.STEP else None)
        model_choice.use_training_run()
    if decision.restore is not None:
        restore_controls(decision.restore)
    session.set_message(decision.message)  # a new click: the previous answer no longer applies
    return t, decision


def _carry_out(t: Trainer, decision: Decision, chosen: settings.Settings, ds: data.Dataset) -> None:
    """The trainer's commands for a decision: the last thing a callback does (see _record)."""
    if decision.new_run:
        t.reset(chosen, ds)
    if decision.command == Command.PLAY:
        t.play()
    elif decision.command == Command.STEP:
        t.step()
    elif decision.command == Command.PAUSE:
        t.pause()
    elif decision.command == Command.STOP:
        t.stop()


def start_experiment() -> None:
    """The one-click overfitting experiment (a callback): its runs train one after another, each
    with its settings shown in the controls; continue_experiment starts the next when one ends."""
    first, *rest = settings.OVERFITTING_EXPERIMENT
    ds = training_dataset(first.dataset)[0]
    t, decision = _record(Action.RESET, first, ds)
    restore_controls(first)
    model_choice.use_training_run()
    session.set_experiment(rest)
    session.set_message(("info", f"The experiment trains {settings.count(len(rest) + 1, 'run')} on "
                         f"{first.train_size:,} digits with a {first.width}-neuron hidden layer: dropout "
                         + " then ".join(f"{s.dropout:g}" for s in settings.OVERFITTING_EXPERIMENT)
                         + ". They appear under Compare runs as they end."))
    _carry_out(t, decision, first, ds)  # commands last, as in press
    t.play()


def continue_experiment() -> None:
    """Start the experiment's next run once the current one has ended (before the controls are drawn)."""
    waiting, current = session.experiment(), session.trainer()
    if not waiting or current is None or not current.snapshot.ended:
        return
    following, *rest = waiting
    ds = training_dataset(following.dataset)[0]
    session.set_experiment(rest)
    restore_controls(following)
    model_choice.use_training_run()
    current.reset(following, ds)  # commands after the session writes, as in press
    current.play()


def send_to_draw(index: int, ds: data.Dataset) -> None:
    """Make a test digit the current digit of every page."""
    name = "test digit" if ds.name == sample_dataset().name else f"{ds.name} test digit"
    digit_choice.set_digit(data.as_float(ds.x_test[index]), f"{name} #{index}", int(ds.y_test[index]))
