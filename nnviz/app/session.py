"""This session's state: every key declared once here, read and written through typed accessors.

Each browser tab has its own st.session_state; nothing here is shared between users.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from nnviz.settings import Settings

if TYPE_CHECKING:
    from nnviz.app.digit_choice import CurrentDigit
    from nnviz.network import Network
    from nnviz.sweep import Sweep
    from nnviz.teach import Lesson
    from nnviz.training.trainer import Trainer

# Every page: the digit and the model they show.
DIGIT = "digit"                      # the current CurrentDigit (None: the user has none, or cleared it)
NETWORK = "network"                  # (label, Network) of a model this session made active
NETWORK_RUN = "network_run"          # the id of the saved run that model was loaded from (its .keras file)
NOTICE = "notice"                    # (level, text) when the newest input gave no digit
CANVAS_CLEARS = "canvas_clears"      # how often Clear was pressed
SEEN_PREFIX = "seen_"                # + an input's source: the last input of that source already taken

# The Teach page.
LESSON = "teach_lesson"              # the teach.Lesson under way
TEACH_LABEL = "teach_label"          # the true-label control's key: the label being taught
TEACH_DIGIT = "teach_digit"          # (source, fingerprint) of the digit the lesson is for
OPTIMIZER = "teach_optimizer"        # the optimizer control's key
RATE_PREFIX = "teach_rate_"          # + an optimizer's name: its learning-rate control's key
KEPT = "teach_kept"                  # how many nudges the model just kept had, until the page says so

# The Runs page.
RUNS_MESSAGE = "runs_message"        # (level, text) answering the last action on a saved run
UPLOADED = "runs_upload_message"     # (level, text) about the file in the model uploader
CONFIRM = "runs_confirm_delete"      # the id of the run waiting for a confirmed delete
PICKED = "runs_picked"               # the id of the run the "Saved run" picker shows
OVERLAID = "runs_overlaid"           # the ids of the runs whose curves are overlaid

# The Sweeps page.
SWEEP = "sweep"                      # this session's nnviz.sweep.Sweep (the newest)
SWEEP_MESSAGE = "sweep_message"      # (level, text) answering the last sweep button
SWEEP_PICK = "sweep_pick"            # the "what to sweep" control's key: a key of nnviz.sweep.SWEEPS
SWEEP_EARLIER = "sweep_earlier"      # the saved-sweep picker's key: a sweep id

# The Train page.

TRAINER = "trainer"                  # this session's Trainer
RUNS = "runs"                        # this session's ended runs (RunRecord), oldest first
LIVE_RUN = "live_run"                # True while the trainer's run is the model every page shows
URL_NOTICES = "train_url_notices"    # notices about the link's bad values, until the user acts
TRAIN_MESSAGE = "train_message"      # (level, text) answering the last Train-page button
EXPERIMENT = "train_experiment"      # the settings of the overfitting experiment's runs still to start
AWAITED_STEP = "train_awaited_step"  # the step count a Step click is still waiting to see pass
SETTING_PREFIX = "setting_"          # + a setting's name: its control's key, the one place it is held


def trainer() -> Trainer | None:
    return st.session_state.get(TRAINER)


def set_trainer(value: Trainer) -> None:
    st.session_state[TRAINER] = value


def live_run() -> bool:
    return bool(st.session_state.get(LIVE_RUN))


def set_live_run(on: bool) -> None:
    if on:
        st.session_state[LIVE_RUN] = True
    else:
        st.session_state.pop(LIVE_RUN, None)


def url_notices() -> tuple[str, ...]:
    return tuple(st.session_state.get(URL_NOTICES, ()))


def keep_url_notices(notices: tuple[str, ...]) -> None:
    """Remember the link's notices, unless this session already has (so they show until the user acts)."""
    st.session_state.setdefault(URL_NOTICES, tuple(notices))


def clear_url_notices() -> None:
    st.session_state[URL_NOTICES] = ()


def message() -> tuple[str, str] | None:
    return st.session_state.get(TRAIN_MESSAGE)


def set_message(value: tuple[str, str] | None) -> None:
    if value is None:
        st.session_state.pop(TRAIN_MESSAGE, None)
    else:
        st.session_state[TRAIN_MESSAGE] = value


def experiment() -> list[Settings]:
    return list(st.session_state.get(EXPERIMENT) or [])


def set_experiment(waiting: list[Settings] | None) -> None:
    if waiting is None:
        st.session_state.pop(EXPERIMENT, None)
    else:
        st.session_state[EXPERIMENT] = list(waiting)


def awaited_step() -> int | None:
    return st.session_state.get(AWAITED_STEP)


def set_awaited_step(step: int | None) -> None:
    st.session_state[AWAITED_STEP] = step


def setting_key(name: str) -> str:
    """The session key of one setting's control: the one place that setting is held."""
    return SETTING_PREFIX + name


def setting(name: str) -> Any:
    """A setting's value as its control holds it, or None before the control first exists."""
    return st.session_state.get(setting_key(name))


def set_setting(name: str, value: Any) -> None:
    st.session_state[setting_key(name)] = value


def _put(key: str, value: Any) -> None:
    """Hold a value under a key; None removes the key."""
    if value is None:
        st.session_state.pop(key, None)
    else:
        st.session_state[key] = value


def digit() -> CurrentDigit | None:
    return st.session_state.get(DIGIT)


def set_digit(value: CurrentDigit | None) -> None:
    st.session_state[DIGIT] = value


def notice() -> tuple[str, str] | None:
    return st.session_state.get(NOTICE)


def set_notice(value: tuple[str, str] | None) -> None:
    st.session_state[NOTICE] = value


def canvas_clears() -> int:
    return st.session_state.get(CANVAS_CLEARS, 0)


def count_canvas_clear() -> None:
    st.session_state[CANVAS_CLEARS] = canvas_clears() + 1


def seen_input(source: str) -> Any:
    return st.session_state.get(SEEN_PREFIX + source)


def set_seen_input(source: str, seen: Any) -> None:
    st.session_state[SEEN_PREFIX + source] = seen


def chosen_network() -> tuple[str, Network] | None:
    """(label, Network) of the model this session made active, or None."""
    return st.session_state.get(NETWORK)


def set_chosen_network(value: tuple[str, Network] | None) -> None:
    _put(NETWORK, value)


def chosen_run() -> str | None:
    """The id of the saved run the model this session made active was loaded from, or None."""
    return st.session_state.get(NETWORK_RUN)


def set_chosen_run(run_id: str | None) -> None:
    _put(NETWORK_RUN, run_id)


def lesson() -> Lesson | None:
    return st.session_state.get(LESSON)


def set_lesson(value: Lesson | None) -> None:
    _put(LESSON, value)


def teach_digit() -> tuple[str, str] | None:
    return st.session_state.get(TEACH_DIGIT)


def set_teach_digit(value: tuple[str, str], label: int | None) -> None:
    """A new digit to teach, and its true label (if known) as the label control's value."""
    st.session_state[TEACH_DIGIT] = value
    st.session_state[TEACH_LABEL] = label


def optimizer() -> str:
    return st.session_state[OPTIMIZER]


def rate_key(optimizer_name: str) -> str:
    return RATE_PREFIX + optimizer_name


def learning_rate(optimizer_name: str) -> float:
    return st.session_state[rate_key(optimizer_name)]


def take_kept() -> int | None:
    """How many nudges the model just kept had, once (None after the page has said so)."""
    return st.session_state.pop(KEPT, None)


def set_kept(nudges: int) -> None:
    st.session_state[KEPT] = nudges


def page_message(key: str) -> tuple[str, str] | None:
    return st.session_state.get(key)


def set_page_message(key: str, value: tuple[str, str] | None) -> None:
    _put(key, value)


def confirming() -> str | None:
    return st.session_state.get(CONFIRM)


def set_confirming(run_id: str | None) -> None:
    _put(CONFIRM, run_id)


def picked() -> str | None:
    return st.session_state.get(PICKED)


def set_picked(run_id: str) -> None:
    st.session_state[PICKED] = run_id


def overlaid(default: list[str]) -> list[str]:
    return st.session_state.get(OVERLAID, default)


def set_overlaid(run_ids: list[str]) -> None:
    st.session_state[OVERLAID] = run_ids


def sweep() -> Sweep | None:
    return st.session_state.get(SWEEP)


def set_sweep(value: Sweep) -> None:
    st.session_state[SWEEP] = value


def sweep_message() -> tuple[str, str] | None:
    return st.session_state.get(SWEEP_MESSAGE)


def set_sweep_message(value: tuple[str, str] | None) -> None:
    st.session_state[SWEEP_MESSAGE] = value
