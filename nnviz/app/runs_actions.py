"""The Runs & models page's actions: what its buttons do, and the one-off messages that answer them."""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st

from nnviz import access, data, run_store, text
from nnviz.app import model_choice, session
from nnviz.app.messages import show
from nnviz.app.resources import default_network
from nnviz.network import Network
from nnviz.settings import width_text

RENAME_PREFIX = "rename_"  # + a run id: its name field's key


def say(level: str, words: str, key: str = session.RUNS_MESSAGE) -> None:
    session.set_page_message(key, (level, words))


def show_once(key: str, keep_errors: bool = False) -> None:
    """Show a message where its action was taken, once (an upload's error: while the file stays)."""
    message = session.page_message(key)
    if message and not (keep_errors and message[0] == "error"):
        session.set_page_message(key, None)
    if message:
        show(*message)


def load(store: run_store.RunStore, run_id: str) -> None:
    try:
        run = store.get(run_id)
        _, net = store.load(run_id)
    except run_store.RunStoreError as exc:
        return say("error", str(exc))
    model_choice.set_active_network(f"saved run “{text.literal(run.name)}” ({width_text(net.widths)})", net, run_id)
    say("success", f"“{text.literal(run.name)}” is now the model every page shows.")


def rename(store: run_store.RunStore, run_id: str) -> None:
    session.set_confirming(None)
    try:
        run = store.rename(run_id, st.session_state[RENAME_PREFIX + run_id])
    except (run_store.RunStoreError, ValueError) as exc:
        return say("error", str(exc))
    say("success", f"Renamed to “{text.literal(run.name)}”.")


def delete(store: run_store.RunStore, run_id: str, confirmed: bool) -> None:
    session.set_confirming(None)
    try:
        run = store.get(run_id)
        if not confirmed:  # ask first, but only someone who may delete it (the store checks again)
            if not store.may(access.DELETE, run):
                raise run_store.RunStoreError(run_store.NOT_YOURS)
            session.set_confirming(run_id)
            return
        name = run.name
        store.delete(run_id)
    except run_store.RunStoreError as exc:
        return say("error", str(exc))
    say("success", f"“{text.literal(name)}” was deleted.")


def share(store: run_store.RunStore, run_id: str, key: str) -> None:
    try:
        run = store.share(run_id, st.session_state[key])
    except run_store.RunStoreError as exc:
        return say("error", str(exc))
    name = text.literal(run.name)
    say("success", f"“{name}” is in the class gallery: everyone signed in can view, overlay and load it."
        if run.shared else f"“{name}” is private again: only you (and teachers) see it.")


def upload() -> None:
    file = st.session_state.get("model_upload")
    session.set_page_message(session.UPLOADED, None)
    if file is None:
        return
    from nnviz import model_io  # deferred: TensorFlow loads only when a model file arrives

    try:
        net = model_io.network_from_keras_bytes(file.getvalue())
    except model_io.BadModel as exc:
        return say("error", f"{exc} The model in use is unchanged.", session.UPLOADED)
    try:
        name = text.literal(run_store.clean_name(file.name))  # the file's name is only ever shown, never a path
    except ValueError:
        name = "model"
    model_choice.set_active_network(f"uploaded {name} ({width_text(net.widths)})", net)
    say("success", f"{name} is now the model every page shows: a {net.activation} network, {width_text(net.widths)}. "
        "It is yours to explore while you stay; it is not saved on the server.", session.UPLOADED)


def keras_download(net: Network, store: run_store.RunStore, lock) -> Callable[[], bytes]:
    """What the active model's download button sends, called only when it is asked for. A model read from a
    file (a saved run, the pretrained default) is that file: building one imports TensorFlow into the server,
    ~9 s of CPU the first time (that download took over 60 s on a loaded machine)."""
    run_id = model_choice.saved_run_in_use(net)
    if run_id is not None:
        return functools.partial(store.model_bytes, run_id)
    if net is default_network():
        return data.asset_path(data.DEFAULT_MODEL_FILE).read_bytes
    return functools.partial(keras_file, net, lock)


def keras_file(net: Network, lock) -> bytes:
    """Called when the download is asked for, outside the page's run: the lock is taken while the page runs."""
    from nnviz import model_io

    with lock:  # building a Keras model: never alongside a trainer's seeded build
        return model_io.keras_bytes(net)
