"""Session-state and caching glue: the only nnviz module that imports Streamlit.

Shared, read-only things (datasets, the pretrained default) are cached once per server process;
everything a user changes (their digit, their model) lives in their own st.session_state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from nnviz import data, preprocess
from nnviz.network import Network

DIGIT = "digit"          # session key: the current CurrentDigit
NETWORK = "network"      # session key: (label, Network) of a model this session made active
NOTICE = "notice"        # session key: (level, text) when the newest input gave no digit
CANVAS_KEY = "canvas_n"  # session key: bumping it gives a fresh, empty canvas


@dataclass(frozen=True)
class CurrentDigit:
    """The 28×28 digit every page shows, where it came from, and its true label if known."""

    image: np.ndarray
    source: str
    label: int | None = None
    steps: tuple[tuple[str, np.ndarray], ...] = ()  # preprocessing steps, when it was drawn or uploaded


@st.cache_resource(show_spinner="Loading the bundled MNIST sample…")
def sample_dataset() -> data.Dataset:
    return data.load_sample()


@st.cache_resource(show_spinner="Loading the pretrained model…")
def default_network() -> Network:
    from nnviz import model  # deferred: TensorFlow loads once, on first use

    return model.to_network(model.load_default_model())


def dataset() -> data.Dataset:
    return sample_dataset()


def active_network() -> tuple[str, Network]:
    """(label, weights) of the model every page shows: this session's own, else the default."""
    return st.session_state.get(NETWORK) or ("pretrained default (width 128)", default_network())


def set_digit(image: np.ndarray, source: str, label: int | None = None, steps=()) -> None:
    st.session_state[DIGIT] = CurrentDigit(np.asarray(image, np.float32), source, label, tuple(steps))
    st.session_state[NOTICE] = None


def take_input(source: str, payload: bytes | None, convert: Callable[[], preprocess.Preprocessed]) -> None:
    """Preprocess a new drawing or upload once; the newest input becomes the digit.

    Reruns hand the same canvas or file back again and again, so each payload is
    processed only when its hash changes.
    """
    if not payload:
        return
    digest = hashlib.blake2b(payload, digest_size=16).digest()
    if st.session_state.get(f"seen_{source}") == digest:
        return
    st.session_state[f"seen_{source}"] = digest
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
    st.session_state[CANVAS_KEY] = st.session_state.get(CANVAS_KEY, 0) + 1
    st.session_state[NOTICE] = ("info", "Draw a digit: the canvas is empty.")


def canvas_key() -> str:
    return f"canvas-{st.session_state.get(CANVAS_KEY, 0)}"


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


def sidebar() -> None:
    """What every page shares: which model and which data are in use."""
    label, net = active_network()
    with st.sidebar:
        st.caption("**Model:** " + label)
        st.caption(f"**Data:** {dataset().summary}")


def set_active_network(label: str, net: Network) -> None:
    """Make a model of this session's (trained, taught or uploaded) the one every page shows."""
    st.session_state[NETWORK] = (label, net)


def reset_active_network() -> None:
    st.session_state.pop(NETWORK, None)


@st.cache_resource(show_spinner="Initialising a fresh model…", max_entries=8)
def fresh_network(width: int, activation: str = "relu", dropout: float = 0.2, seed: int = 0) -> Network:
    """An untrained model's weights (Keras's own initialisation), for before/after comparisons."""
    from nnviz import model

    return model.to_network(model.build_model(width, dropout, activation, seed=seed))
