"""The Runs & models page's panels: the runs table, one saved run, the overlaid curves, the model in use."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import streamlit as st

from nnviz import access, run_store, text
from nnviz.app import model_choice, resources, session
from nnviz.app.charts import CHART
from nnviz.app.messages import show
from nnviz.app.runs_actions import RENAME_PREFIX, delete, keras_download, load, rename, share, show_once, upload
from nnviz.figures import training as figures
from nnviz.keras_file import MODEL_LAYERS
from nnviz.settings import layers_text, width_text


def widget_key(name: str, labels: dict[str, str]) -> str:
    """A picker's key, new whenever any run's label changes. Streamlit keeps a picker's choice as the label
    text the browser shows: after a rename (here or in another tab) an old key would send back a label that no
    option has any more, or another run's. The choice itself is kept by run id (session.picked, overlaid)."""
    return f"{name}_{hashlib.blake2s(repr(sorted(labels.items())).encode(), digest_size=6).hexdigest()}"


def remember(widget: str, keep: Callable) -> None:
    """on_change of a picker: keep its choice (run ids, read with the labels it was made with) by id."""
    keep(st.session_state[widget])


def runs_table(runs: list[run_store.SavedRun], user: access.User) -> None:
    """Every run the user may see, one row each; owner and sharing only with login on."""
    column = st.column_config
    st.dataframe({
        "Name": [r.name for r in runs], "Saved": [r.when for r in runs], "Status": [r.status for r in runs],
        "Width": [r.settings.width for r in runs], "Hidden layers": [layers_text(r.settings.widths) for r in runs],
        "Dropout": [r.settings.dropout for r in runs],
        "Activation": [r.settings.activation for r in runs],
        "Learning rate": [r.settings.learning_rate for r in runs],
        "Digits": [r.train_size for r in runs], "Epochs": [round(r.epochs, 2) for r in runs],
        "Validation": [text.percent(r.val_accuracy) for r in runs],
        "Test": [text.percent(r.test_accuracy) for r in runs],
        **({} if user.local else {"Owner": [run_store.owner_label(r, user) for r in runs],
                                  "Shared": [r.shared for r in runs]}),
    }, hide_index=True, width="stretch", column_config={
        "Width": column.NumberColumn(help="Neurons in the first hidden layer"),
        "Hidden layers": column.TextColumn(help="Each hidden layer's width, first to last"),
        "Digits": column.NumberColumn(format="localized", help="Training digits used"),
        "Validation": column.TextColumn(alignment="right", help="Validation accuracy after the last full epoch. "
                                        "A dash: the run ended before its first full epoch."),
        "Test": column.TextColumn(alignment="right", help="Accuracy on held-out test digits. A dash: the run "
                                  "was not tested."),
    })


def run_panel(store: run_store.RunStore, runs: dict[str, run_store.SavedRun], labels: dict[str, str]) -> None:
    """One saved run, picked by id: make it active, download, rename, delete or share it."""
    show_once(session.RUNS_MESSAGE)
    ids, picked, key = list(runs), session.picked(), widget_key("runs_pick", labels)
    run_id = st.selectbox("Saved run", ids, index=ids.index(picked) if picked in runs else 0,
                          format_func=lambda i: labels.get(i, str(i)), key=key, on_change=remember,
                          args=(key, session.set_picked))
    run_id = run_id if run_id in runs else ids[0]
    session.set_picked(run_id)
    run = runs[run_id]
    st.caption(run.description)
    st.button("Make it the active model", on_click=load, args=(store, run_id), type="primary",
              icon=":material/input:", width="stretch")
    st.download_button("Download its .keras file", data=functools.partial(store.model_bytes, run_id),
                       file_name=f"nnviz-{run_id}.keras", mime="application/octet-stream",
                       on_click="ignore", icon=":material/download:", width="stretch")
    # Someone else's run (the gallery, or a teacher's view) shows its controls disabled; the store refuses
    # a change all the same if a browser sends one.
    mine = store.may(access.RENAME, run)
    if not mine:
        st.caption(f"{text.literal(run_store.owner_label(run, store.user))}'s run: you can load, download and "
                   "overlay it; only they can rename, delete or share it.")
    st.text_input("Name", value=run.name, max_chars=run_store.MAX_NAME, key=RENAME_PREFIX + run_id,
                  disabled=not mine)
    # One button a row: side by side, "Rename" and "Delete…" were cut off in this narrow column.
    st.button("Rename", on_click=rename, args=(store, run_id), icon=":material/edit:", width="stretch",
              disabled=not mine)
    st.button("Delete…", on_click=delete, args=(store, run_id, False), icon=":material/delete:",
              width="stretch", disabled=not mine)
    if not store.user.local:
        # Keyed by the shared flag too: a toggle changed in another tab shows the run as it now is.
        key = f"share_{run_id}_{int(run.shared)}"
        st.toggle("Shared with the class", value=run.shared, key=key, on_change=share,
                  args=(store, run_id, key), disabled=not mine,
                  help="Everyone signed in can then view, overlay and load it; only you can rename or delete it.")
    if session.confirming() == run_id and mine:
        show("warning", f"Delete “{text.literal(run.name)}” for good? Its model, curves and TensorBoard logs are "
             "removed.")
        st.button("Yes, delete", on_click=delete, args=(store, run_id, True), type="primary", width="stretch")
        st.button("Cancel", on_click=session.set_confirming, args=(None,), width="stretch")


def overlay_panel(store: run_store.RunStore, runs: dict[str, run_store.SavedRun], labels: dict[str, str]) -> None:
    """The learning curves of the runs the user picks, overlaid."""
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    overlaid = session.overlaid(run_store.default_overlay(list(runs.values())))
    key = widget_key("runs_compare", labels)
    chosen = a.multiselect("Overlay the curves of", list(runs), default=[i for i in overlaid if i in runs],
                           format_func=lambda i: labels.get(i, str(i)), key=key, on_change=remember,
                           args=(key, session.set_overlaid), wrap=True)  # every chosen run stays in view on a phone
    chosen = [i for i in chosen if i in runs]  # a deleted run drops out
    session.set_overlaid(chosen)
    metric = b.radio("Show", ["accuracy", "loss"], horizontal=True, key="runs_metric")
    curves, names = [], run_store.overlay_labels([runs[i] for i in chosen])
    for i in chosen:
        try:
            curves.append((text.plot_literal(names[i]), store.record(i).history))
        except run_store.RunStoreError as exc:
            show("warning", f"{text.literal(runs[i].name)}: {exc}")
    if curves:
        fig = figures.overlay(curves, metric, height=440)
        # The legend goes under the plot: beside it, long run names would squeeze the curves.
        st.plotly_chart(fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, x=0)), **CHART)


def model_in_use(store: run_store.RunStore) -> None:
    """The active model: download it, upload another, and its first neurons' weights."""
    label, net = model_choice.active_network()
    lock = resources.training_pool().build_lock
    left, right = st.container(key="stack_runs_model").columns([1, 1.4], gap="large")
    with left:
        st.markdown(f"Every page shows the **{label}** model. Download it, or upload a model of your own.")
        st.download_button("Download it as a .keras file", data=keras_download(net, store, lock),
                           file_name=f"nnviz-{width_text(net.widths).replace(' ', '')}.keras",
                           mime="application/octet-stream",
                           on_click="ignore", icon=":material/download:")
        st.file_uploader("Upload a .keras model to use instead", type=["keras"], key="model_upload",
                         on_change=upload, max_upload_size=20,  # MB, as model_io.MAX_MODEL_BYTES (which checks it)
                         help=f"A Keras model with a 28×28 (or 784) input: {MODEL_LAYERS}. Code inside a "
                              "model file is never run.")
        show_once(session.UPLOADED, keep_errors=True)
    with right:
        st.plotly_chart(figures.weight_tiles(net.w1), **CHART)
        st.caption("The first hidden neurons' incoming weights, red raising the neuron, blue lowering it.")
