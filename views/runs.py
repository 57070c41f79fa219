"""Runs & models page: saved runs (compare, load, rename, delete, download) and .keras upload/download."""

import functools
import math
import re

import streamlit as st

from nnviz import run_store, ui
from nnviz.figures import training as figures

CHART = {"config": {"displayModeBar": False}}
MESSAGE = "runs_message"          # page-local: (level, text) answering the last action on a saved run
UPLOADED = "runs_upload_message"  # page-local: (level, text) about the file in the uploader
CONFIRM = "runs_confirm_delete"   # page-local: the id of the run waiting for a confirmed delete
ALERTS = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}


def md(text: str) -> str:
    """Text shown literally inside Markdown (no links, images, HTML, icons or styling). Only the marks
    that can start markup are escaped, so a label stays readable where it is shown as plain text."""
    return re.sub(r"([\\`*_{}\[\]<>#!|~$:&])", r"\\\1", text)


def percent(x: float) -> str | None:
    return None if math.isnan(x) else round(100 * x, 1)


def say(level: str, text: str, key: str = MESSAGE) -> None:
    st.session_state[key] = (level, text)


def show(key: str, keep_errors: bool = False) -> None:
    """Show a message where its action was taken, once (an upload's error: while the file stays)."""
    message = st.session_state.get(key)
    if message and not (keep_errors and message[0] == "error"):
        del st.session_state[key]
    if message:
        ALERTS[message[0]](message[1])


def load(store: run_store.RunStore, run_id: str) -> None:
    try:
        run = store.get(run_id)
        _, net = store.load(run_id)
    except run_store.RunStoreError as exc:
        return say("error", str(exc))
    ui.set_active_network(f"saved run “{md(run.name)}” (width {net.width})", net)
    say("success", f"“{md(run.name)}” is now the model every page shows.")


def rename(store: run_store.RunStore, run_id: str) -> None:
    try:
        run = store.rename(run_id, st.session_state[f"rename_{run_id}"])
    except (run_store.RunStoreError, ValueError) as exc:
        return say("error", str(exc))
    say("success", f"Renamed to “{md(run.name)}”.")


def delete(store: run_store.RunStore, run_id: str, confirmed: bool) -> None:
    if not confirmed:
        st.session_state[CONFIRM] = run_id
        return
    st.session_state.pop(CONFIRM, None)
    try:
        name = store.get(run_id).name
        store.delete(run_id)
    except run_store.RunStoreError as exc:
        return say("error", str(exc))
    say("success", f"“{md(name)}” was deleted.")


def upload() -> None:
    file = st.session_state.get("model_upload")
    st.session_state.pop(UPLOADED, None)
    if file is None:
        return
    from nnviz import model_io  # deferred: TensorFlow loads only when a model file arrives

    try:
        net = model_io.network_from_keras_bytes(file.getvalue())
    except model_io.BadModel as exc:
        return say("error", f"{exc} The model in use is unchanged.", UPLOADED)
    try:
        name = md(run_store.clean_name(file.name))  # the file's name is only ever shown, never used as a path
    except ValueError:
        name = "model"
    ui.set_active_network(f"uploaded {name} (width {net.width})", net)
    say("success", f"{name} is now the model every page shows: a {net.activation} network, width {net.width}.",
        UPLOADED)


def keras_file(net, lock) -> bytes:
    from nnviz import model_io

    with lock:  # building a Keras model: never alongside a trainer's seeded build
        return model_io.keras_bytes(net)


store = ui.saved_runs()
st.title("Runs & models")
st.write("Every training run that finishes, or that you stop, is saved on the server, so it is still here "
         "after a page refresh or a server restart. Overlay saved runs to compare how they learned, make one "
         "the model every page shows, or rename, delete or download it. You can also upload a Keras model of "
         "the same shape (a 28×28 digit in, one hidden layer, 10 answers out) and explore it on every page.")
st.caption(f"Runs are saved in `{store.root.resolve()}`. To browse them in TensorBoard: "
           f"`pip install tensorboard`, then `tensorboard --logdir {store.root.resolve()}`.")

listing = store.list()
runs = {r.run_id: r for r in listing.runs}
st.subheader("Saved runs")
if listing.problems:
    st.warning("These folders in the runs folder could not be read, so they are left out:\n\n"
               + "\n".join(f"- {md(p)}" for p in listing.problems), icon=":material/folder_off:")
if not runs:
    show(MESSAGE)  # e.g. that the last run was deleted
    st.info("No saved runs yet. Train one on the **Train** page: it appears here when it finishes or you stop it.",
            icon=":material/folder_open:")
else:
    column = st.column_config
    st.dataframe({
        "Name": [r.name for r in runs.values()], "Saved": [r.when for r in runs.values()],
        "Status": [r.status for r in runs.values()], "Width": [r.settings.width for r in runs.values()],
        "Dropout": [r.settings.dropout for r in runs.values()],
        "Activation": [r.settings.activation for r in runs.values()],
        "Learning rate": [r.settings.learning_rate for r in runs.values()],
        "Digits": [r.train_size for r in runs.values()], "Epochs": [round(r.epochs, 2) for r in runs.values()],
        "Validation": [percent(r.val_accuracy) for r in runs.values()],
        "Test": [percent(r.test_accuracy) for r in runs.values()],
    }, hide_index=True, width="stretch", column_config={
        "Digits": column.NumberColumn(format="localized", help="Training digits used"),
        "Validation": column.NumberColumn(format="%.1f%%", help="Validation accuracy after the last full epoch"),
        "Test": column.NumberColumn(format="%.1f%%", help="Accuracy on held-out test digits"),
    })
    short = {i: f"{r.name} · {r.when[5:]}" for i, r in runs.items()}  # name and date, short enough for a chip
    manage, compare = st.columns([1, 2.1], gap="large")
    with manage, st.container(border=True):
        show(MESSAGE)
        run_id = st.selectbox("Saved run", list(runs), format_func=short.get, key="runs_pick")
        run = runs[run_id]
        st.caption(f"{run.status.capitalize()} after {run.steps:,} steps ({run.seconds:,.0f} s of training): "
                   f"{run.settings.describe()}, seed {run.settings.seed}.")
        st.button("Make it the active model", on_click=load, args=(store, run_id), type="primary",
                  icon=":material/input:", width="stretch")
        st.download_button("Download its .keras file", data=functools.partial(store.model_bytes, run_id),
                           file_name=f"nnviz-{run_id}.keras", mime="application/octet-stream",
                           on_click="ignore", icon=":material/download:", width="stretch")
        st.text_input("Name", value=run.name, max_chars=run_store.MAX_NAME, key=f"rename_{run_id}")
        a, b = st.columns(2)
        a.button("Rename", on_click=rename, args=(store, run_id), icon=":material/edit:", width="stretch")
        b.button("Delete…", on_click=delete, args=(store, run_id, False), icon=":material/delete:",
                 width="stretch")
        if st.session_state.get(CONFIRM) == run_id:
            st.warning(f"Delete “{md(run.name)}” for good? Its model, curves and TensorBoard logs are removed.")
            a, b = st.columns(2)
            a.button("Yes, delete", on_click=delete, args=(store, run_id, True), type="primary",
                     width="stretch")
            b.button("Cancel", on_click=st.session_state.pop, args=(CONFIRM, None), width="stretch")
    with compare:
        a, b = st.columns([3, 1], vertical_alignment="bottom")
        chosen = a.multiselect("Overlay the curves of", list(runs), default=list(runs)[:2], format_func=short.get,
                               key="runs_compare")  # a deleted run drops out by itself
        metric = b.radio("Show", ["accuracy", "loss"], horizontal=True, key="runs_metric")
        curves = []
        for i in chosen:
            try:
                curves.append((short[i], store.record(i).history))
            except run_store.RunStoreError as exc:
                st.warning(f"{md(runs[i].name)}: {exc}")
        if curves:  # names are escaped for plotly, which reads <…> and %{…} in text
            fig = figures.overlay([(n.replace("<", "‹").replace(">", "›").replace("%", "％"), h) for n, h in curves],
                                  metric, height=440)
            # The legend goes under the plot: beside it, long run names would squeeze the curves.
            st.plotly_chart(fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, x=0)), **CHART)

st.subheader("The model in use")
label, net = ui.active_network()
left, right = st.columns([1, 1.4], gap="large")
with left:
    st.markdown(f"Every page shows the **{label}** model. Download it, or upload a model of your own.")
    lock = ui.training_pool().build_lock
    st.download_button("Download it as a .keras file", data=functools.partial(keras_file, net, lock),
                       file_name=f"nnviz-width{net.width}.keras", mime="application/octet-stream",
                       on_click="ignore", icon=":material/download:")
    st.file_uploader("Upload a .keras model to use instead", type=["keras"], key="model_upload", on_change=upload,
                     max_upload_size=20,  # MB, as model_io.MAX_MODEL_BYTES (which checks it again)
                     help="A Keras model with a 28×28 (or 784) input, one Dense hidden layer (relu, sigmoid or "
                          "tanh), optional Dropout, and 10 outputs. Code inside a model file is never run.")
    show(UPLOADED, keep_errors=True)
with right:
    st.plotly_chart(figures.weight_tiles(net.w1), **CHART)
    st.caption("The first hidden neurons' incoming weights, red raising the neuron, blue lowering it.")
