"""Get the code: a saved run, or the model in use, as a Keras script and notebook to read, copy and download."""

from __future__ import annotations

import functools

import streamlit as st

from nnviz import code_export, data, run_store, text
from nnviz.app import model_choice, run_lists, session
from nnviz.app.messages import show
from nnviz.app.train_settings import train_settings
from nnviz.network import Network
from nnviz.settings import Settings, width_text

WHAT = ("The script builds this network with `keras.Sequential`, trains it with these settings and seed, tests it "
        "and saves it as `nnviz_run.keras`, which you can upload here again.")
SAME = (" It takes the digits in the same order as nnviz's trainer, so on the same data it comes out with the run's "
        "accuracy, give or take a fraction of a point.")
HOW = ("Run it with `python nnviz_run.py`, or open the notebook in Jupyter; both need TensorFlow "
       "(`pip install tensorflow`). `DATA = \"mnist\"` downloads MNIST once (11 MB). To train offline, set "
       "`DATA = \"sample\"` and put nnviz's bundled sample, `mnist_sample.npz`, beside the script.")
CODE_HEIGHT = 560  # px: the script scrolls in its box, so the page below it stays in reach
DEFAULT_NOTE = ("The pretrained default was trained by nnviz's own script (`scripts/train_default.py`): the same "
                "784-128-10 network with ReLU and dropout 0.2, seed 128, on the bundled sample with shifted, rotated "
                "and thickened digits, in batches of 64, with a learning rate falling from 0.002 over 60 epochs. This "
                "code trains the same network with the Train page's default settings instead, without those "
                "extras: expect a close accuracy, not the same one.")


def saved_run(run: run_store.SavedRun) -> None:
    """The picked saved run's code, behind a toggle (the code is long; most visits do not want it)."""
    if st.toggle("Get this run as Keras code", key="code_run",
                 help="A Python script and a Jupyter notebook that train this run again with Keras."):
        panel(run.settings, "run", name=run.name, trained=run.epochs, same_run=True,
              intro=f"The code of the saved run **{text.literal(run.name)}**, with all its settings.")


def active_model() -> None:
    """The code of the model every page shows: its run's settings when it is training here or was loaded from
    Saved runs, else its network with the Train page's settings, and for the pretrained default the default
    settings, said plainly."""
    if not st.toggle("Get the model in use as Keras code", key="code_active",
                     help="A Python script and a Jupyter notebook that build and train this network with Keras."):
        return
    label, net = model_choice.active_network()
    chosen, trainer = session.chosen_network(), session.trainer()
    if label == model_choice.DEFAULT_LABEL:
        return panel(Settings(), "active", name="pretrained default", intro=DEFAULT_NOTE)
    if chosen is None and trainer is not None:  # the live run: its own settings
        snap = trainer.snapshot
        return panel(snap.settings, "active", name=snap.name, trained=snap.epoch, same_run=True,
                     intro=f"The code of **{text.literal(snap.name)}**, the run you trained, with all its settings.")
    loaded = loaded_run(net, run_lists.saved_runs())
    if loaded is not None:  # a saved run made active: its own settings, not the Train page's
        return panel(loaded.settings, "active", name=loaded.name, trained=loaded.epochs, same_run=True,
                     intro=f"The code of the saved run **{text.literal(loaded.name)}**, the model in use, with all "
                     "its settings.")
    settings = train_settings().replace(widths=net.widths, activation=net.activation, dropout=net.dropout)
    panel(settings, "active", name="model in use", intro=(
        f"The model in use has {width_text(net.widths)}, {net.activation} and dropout {net.dropout:g}. This code "
        "builds that network and trains it afresh with the Train page's current settings (it does not carry the "
        "model's weights: download its .keras file for those). For a saved run's own settings, pick it under "
        "Saved runs and get its code there."))


def loaded_run(net: Network, store: run_store.RunStore) -> run_store.SavedRun | None:
    """The saved run the active network was loaded from (Make it the active model), as it is now (renamed, say),
    or None: another kind of model, or the run is gone."""
    run_id = model_choice.saved_run_in_use(net)
    if run_id is None:
        return None
    try:
        return store.get(run_id)
    except run_store.RunStoreError:  # deleted since: the network stays in use, its run's settings are gone
        return None


def panel(settings: Settings, key: str, *, name: str, intro: str, trained: float | None = None,
          same_run: bool = False) -> None:
    """The code on screen (highlighted, with a copy button), its downloads, and how to run it. same_run: the
    code is a run's own (its settings and seed), so it reproduces that run's accuracy."""
    epochs = code_export.export_epochs(settings, trained)
    try:
        script = code_export.script(settings, epochs=epochs, name=name)
        notebook = code_export.notebook(settings, epochs=epochs, name=name)
    except ValueError as exc:  # settings that no longer pass the table's checks
        return show("error", f"This run's settings cannot be turned into code: {text.literal(str(exc))}")
    st.markdown(intro)
    if not settings.epochs:
        st.caption(f"It was set to train until stopped, so the code trains {epochs} epochs, as many as it ran.")
    st.markdown(f"{WHAT}{SAME if same_run else ''}\n\n{HOW}")
    py, nb, sample = st.columns(3)
    py.download_button("Download the script (.py)", script, file_name=code_export.SCRIPT_FILE, mime="text/x-python",
                       on_click="ignore", icon=":material/download:", width="stretch", key=f"code_py_{key}")
    nb.download_button("Download the notebook (.ipynb)", notebook, file_name=code_export.NOTEBOOK_FILE,
                       mime="application/x-ipynb+json", on_click="ignore", icon=":material/download:",
                       width="stretch", key=f"code_nb_{key}")
    sample.download_button("Download the sample (1.7 MB)", _sample_bytes,
                           file_name=data.SAMPLE_FILE, mime="application/octet-stream", on_click="ignore",
                           icon=":material/download:", width="stretch", key=f"code_sample_{key}",
                           help="nnviz's bundled 10,000 MNIST digits, for DATA = \"sample\" (offline).")
    st.code(script, language="python", height=CODE_HEIGHT)


@functools.cache
def _sample_bytes() -> bytes:
    return data.asset_path(data.SAMPLE_FILE).read_bytes()
