"""The digit every page shows: drawn, uploaded or picked from the test set, held in this session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from nnviz import data, inputs, preprocess
from nnviz.app import session
from nnviz.app.messages import show
from nnviz.app.resources import sample_dataset

DRAWN = "your drawing"   # the source name of a digit drawn on the canvas


@dataclass(frozen=True)
class CurrentDigit:
    """The 28×28 digit every page shows, where it came from, and its true label if known."""

    image: np.ndarray
    source: str
    label: int | None = None
    stages: tuple[tuple[str, np.ndarray], ...] = ()  # preprocessing stages, when it was drawn or uploaded


def set_digit(image: np.ndarray, source: str, label: int | None = None, stages=()) -> None:
    session.set_digit(CurrentDigit(np.asarray(image, np.float32), source, label, tuple(stages)))
    session.set_notice(None)


def take_input(source: str, payload: bytes | None, convert: Callable[[], preprocess.Preprocessed],
               token: str | None = None) -> None:
    """Preprocess a new drawing or upload once; the newest input becomes the digit.

    Reruns hand the same canvas or file back again and again; only a new one is processed
    (see inputs.new_input). token: an upload's file_id, so that uploading the same file again counts.
    """
    seen = inputs.new_input(session.seen_input(source), payload, token)
    if seen is None:
        return
    session.set_seen_input(source, seen)
    try:
        result = convert()
    except preprocess.BadImage as exc:
        session.set_notice(("error", str(exc)))
        return
    if result.ok:
        set_digit(result.image, source, stages=result.steps)
    else:
        session.set_notice(("info", result.message))


def notice() -> tuple[str, str] | None:
    """(level, text) when the newest input gave no digit."""
    return session.notice()


def clear_canvas() -> None:
    """Empty the canvas; a drawn digit goes with it, so no page shows a prediction for ink that is gone."""
    session.count_canvas_clear()
    digit = session.digit()
    if digit is not None and digit.source == DRAWN:
        session.set_digit(None)
    session.set_notice(("info", preprocess.EMPTY_CANVAS))


def canvas_clears() -> int:
    """How often this session pressed Clear: a new count empties the canvas in place."""
    return session.canvas_clears()


def chosen_digit() -> CurrentDigit | None:
    """The digit this session drew, picked or uploaded, or None (the Draw page then asks for one)."""
    return session.digit()


def pick_test_digit(index: int | None = None) -> None:
    """Make a real MNIST test digit current (a random one unless an index is given)."""
    sample = sample_dataset()
    if index is None:
        index = int(np.random.default_rng().integers(len(sample.y_test)))
    set_digit(data.as_float(sample.x_test[index]), f"test digit #{index}", int(sample.y_test[index]))


def current_digit() -> CurrentDigit:
    """The user's digit, or the first test digit so that no page is ever empty."""
    digit = session.digit()
    if digit is None:
        sample = sample_dataset()
        digit = CurrentDigit(data.as_float(sample.x_test[0]), "default test digit", int(sample.y_test[0]))
    return digit


def default_digit_notice(text: str) -> bool:
    """On pages that show a digit: say so when it is the default test digit, and link to Draw."""
    if session.digit() is not None:
        return False
    show("info", text, ":material/draw:")
    st.page_link("views/draw.py", label="Draw your own digit", icon=":material/draw:")
    return True
