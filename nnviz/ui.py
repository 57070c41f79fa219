"""Session glue for the digit, the active model and the header every page shares (the Train page's
glue, cached resources and its session keys are in nnviz/app).

Shared, read-only things (datasets, the pretrained default) are cached once per server process
(nnviz/app/resources.py); everything a user changes (their digit, their model) lives in their own
st.session_state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Imported whole, up front: TensorFlow imports pandas too, and if that happens in one thread while a
# page's plotly (which looks pandas up in sys.modules) runs in another, plotly meets a half-imported pandas.
import pandas  # noqa: F401
import streamlit as st

from nnviz import data, inputs, preprocess
from nnviz.app import identity, screen, session
from nnviz.app.datasets import training_dataset
from nnviz.app.resources import (  # noqa: F401 - fresh_network and training_pool: for views/weights.py, views/runs.py
    default_network,
    fresh_network,
    sample_dataset,
    training_pool,
)
from nnviz.app.session import LIVE_RUN, RUNS, TRAINER
from nnviz.network import Network
from nnviz.run_record import RunRecord
from nnviz.run_store import RunStore

DIGIT = "digit"          # session key: the current CurrentDigit
NETWORK = "network"      # session key: (label, Network) of a model this session made active
NOTICE = "notice"        # session key: (level, text) when the newest input gave no digit
CANVAS_CLEARS = "canvas_clears"  # session key: how often Clear was pressed
DRAWN = "your drawing"   # the source name of a digit drawn on the canvas


@dataclass(frozen=True)
class CurrentDigit:
    """The 28×28 digit every page shows, where it came from, and its true label if known."""

    image: np.ndarray
    source: str
    label: int | None = None
    steps: tuple[tuple[str, np.ndarray], ...] = ()  # preprocessing steps, when it was drawn or uploaded


DEFAULT_LABEL = "pretrained default (width 128)"


def dataset() -> data.Dataset:
    """The dataset this session trains on: the bundled sample unless it chose (available) full MNIST."""
    return training_dataset(session.setting("dataset") or "sample")[0]


def active_network() -> tuple[str, Network]:
    """(label, weights) of the model every page shows. The most recent choice wins: this session's
    training run (live weights, made active by Train or Step), a model it made active (taught,
    uploaded), else the pretrained default."""
    trainer = st.session_state.get(TRAINER)
    if st.session_state.get(LIVE_RUN) and trainer is not None:
        snap = trainer.snapshot
        if snap.network is not None and (snap.step > 0 or snap.active):  # not a fresh, untrained run
            state = "training live" if snap.active else f"{snap.status}, step {snap.step:,}"
            return f"{snap.name} you trained (width {snap.settings.width}, {state})", snap.network
    return st.session_state.get(NETWORK) or (DEFAULT_LABEL, default_network())


def default_digit_notice(text: str) -> bool:
    """On pages that show a digit: say so when it is the default test digit, and link to Draw."""
    if st.session_state.get(DIGIT) is not None:
        return False
    st.info(text, icon=":material/draw:")
    st.page_link("views/draw.py", label="Draw your own digit", icon=":material/draw:")
    return True


def set_digit(image: np.ndarray, source: str, label: int | None = None, steps=()) -> None:
    st.session_state[DIGIT] = CurrentDigit(np.asarray(image, np.float32), source, label, tuple(steps))
    st.session_state[NOTICE] = None


def take_input(source: str, payload: bytes | None, convert: Callable[[], preprocess.Preprocessed],
               token: str | None = None) -> None:
    """Preprocess a new drawing or upload once; the newest input becomes the digit.

    Reruns hand the same canvas or file back again and again; only a new one is processed
    (see inputs.new_input). token: an upload's file_id, so that uploading the same file again counts.
    """
    seen = inputs.new_input(st.session_state.get(f"seen_{source}"), payload, token)
    if seen is None:
        return
    st.session_state[f"seen_{source}"] = seen
    try:
        result = convert()
    except preprocess.BadImage as exc:
        st.session_state[NOTICE] = ("error", str(exc))
        return
    if result.ok:
        set_digit(result.image, source, steps=result.steps)
    else:
        st.session_state[NOTICE] = ("info", result.message)


def notice() -> tuple[str, str] | None:
    return st.session_state.get(NOTICE)


def clear_canvas() -> None:
    """Empty the canvas; a drawn digit goes with it, so no page shows a prediction for ink that is gone."""
    st.session_state[CANVAS_CLEARS] = st.session_state.get(CANVAS_CLEARS, 0) + 1
    digit = st.session_state.get(DIGIT)
    if digit is not None and digit.source == DRAWN:
        st.session_state[DIGIT] = None
    st.session_state[NOTICE] = ("info", preprocess.EMPTY_CANVAS)


def canvas_clears() -> int:
    """How often this session pressed Clear: a new count empties the canvas in place."""
    return st.session_state.get(CANVAS_CLEARS, 0)


def chosen_digit() -> CurrentDigit | None:
    """The digit this session drew, picked or uploaded, or None (the Draw page then asks for one)."""
    return st.session_state.get(DIGIT)


def pick_test_digit(index: int | None = None) -> None:
    """Make a real MNIST test digit current (a random one unless an index is given)."""
    sample = sample_dataset()
    if index is None:
        index = int(np.random.default_rng().integers(len(sample.y_test)))
    set_digit(data.as_float(sample.x_test[index]), f"test digit #{index}", int(sample.y_test[index]))


def current_digit() -> CurrentDigit:
    """The user's digit, or the first test digit so that no page is ever empty."""
    digit = st.session_state.get(DIGIT)
    if digit is None:
        sample = sample_dataset()
        digit = CurrentDigit(data.as_float(sample.x_test[0]), "default test digit", int(sample.y_test[0]))
    return digit


def header() -> None:
    """What every page shares, in one line above it: which model and data are in use, a way back to
    the default, and presenter mode. No sidebar: on a tablet or a projector it took a third of the screen."""
    screen.apply()
    label, net = active_network()
    trainer = st.session_state.get(TRAINER)
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="nnviz_header"):
        st.caption(f"**Model:** {label} · **Data:** {dataset().summary}", width="content")
        if label != DEFAULT_LABEL:
            st.button("Use the pretrained default", on_click=reset_active_network, icon=":material/restart_alt:",
                      help="Every page goes back to the model nnviz ships with. Your runs are kept.")
        elif trainer is not None and trainer.snapshot.step > 0 and trainer.snapshot.network is not None:
            st.button(f"Use your {trainer.snapshot.name}", on_click=use_training_run, icon=":material/model_training:",
                      help="Every page shows the weights of your latest training run.")
        screen.presenter_toggle()
        identity.account_controls()  # who is signed in, and Sign out (nothing when login is off)


def set_active_network(label: str, net: Network) -> None:
    """Make a model of this session's (trained, taught or uploaded) the one every page shows."""
    st.session_state[NETWORK] = (label, net)
    st.session_state.pop(LIVE_RUN, None)


def reset_active_network() -> None:
    st.session_state.pop(NETWORK, None)
    st.session_state.pop(LIVE_RUN, None)


def use_training_run() -> None:
    """Every page now shows the weights of this session's training run, live as it learns."""
    st.session_state[LIVE_RUN] = True
    st.session_state.pop(NETWORK, None)


def saved_runs() -> RunStore:
    """The runs folder (env NNVIZ_RUNS_DIR, default ./runs) as this session's user may use it: every ended
    run is saved there as theirs. With login on and nobody signed in, the sign-in screen stops the page."""
    return RunStore.from_env(user=identity.require_user())


def runs() -> list[RunRecord]:
    """This session's ended runs, oldest first (copied in from its trainer as they end)."""
    kept = st.session_state.setdefault(RUNS, [])
    current = st.session_state.get(TRAINER)
    if current is not None:
        known = {r.run_id for r in kept}
        kept.extend(r for r in current.records if r.run_id not in known)
    return kept
