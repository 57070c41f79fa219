"""Runs & models page: saved runs (compare, load, rename, delete, share, download) and .keras upload/download.

With login on, the page lists the signed-in user's runs and the class gallery (teachers: every run), and offers
to rename, delete or share only the user's own; the store refuses the rest whatever the browser sends."""

import functools
import hashlib
import math
import re

import streamlit as st

from nnviz import access, run_store
from nnviz.app import model_choice, resources, run_lists
from nnviz.figures import training as figures

CHART = {"config": {"displayModeBar": False}}
MESSAGE = "runs_message"          # page-local: (level, text) answering the last action on a saved run
UPLOADED = "runs_upload_message"  # page-local: (level, text) about the file in the uploader
CONFIRM = "runs_confirm_delete"   # page-local: the id of the run waiting for a confirmed delete
PICKED = "runs_picked"            # page-local: the id of the run the "Saved run" picker shows
OVERLAID = "runs_overlaid"        # page-local: the ids of the runs whose curves are overlaid
ALERTS = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}


def md(text: str) -> str:
    """Text shown literally inside Markdown (no links, images, HTML, icons or styling). Only the marks
    that can start markup are escaped, so a label stays readable where it is shown as plain text."""
    return re.sub(r"([\\`*_{}\[\]<>#!|~$:&])", r"\\\1", text)


def percent(x: float) -> str:
    """An accuracy for the table: "97.3%", or a dash where the run never measured it."""
    return "—" if math.isnan(x) else f"{100 * x:.1f}%"


def widget_key(name: str, labels: dict[str, str]) -> str:
    """A picker's key, new whenever any run's label changes. Streamlit keeps a picker's choice as the label
    text the browser shows: after a rename (here or in another tab) an old key would send back a label that no
    option has any more, or another run's. The choice itself is kept by run id (PICKED, OVERLAID)."""
    return f"{name}_{hashlib.blake2s(repr(sorted(labels.items())).encode(), digest_size=6).hexdigest()}"


def remember(widget: str, state: str) -> None:
    """on_change of a picker: keep its choice (run ids, read with the labels it was made with) by id."""
    st.session_state[state] = st.session_state[widget]


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
    model_choice.set_active_network(f"saved run “{md(run.name)}” (width {net.width})", net)
    say("success", f"“{md(run.name)}” is now the model every page shows.")


def rename(store: run_store.RunStore, run_id: str) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        run = store.rename(run_id, st.session_state[f"rename_{run_id}"])
    except (run_store.RunStoreError, ValueError) as exc:
        return say("error", str(exc))
    say("success", f"Renamed to “{md(run.name)}”.")


def delete(store: run_store.RunStore, run_id: str, confirmed: bool) -> None:
    st.session_state.pop(CONFIRM, None)
    try:
        run = store.get(run_id)
        if not confirmed:  # ask first, but only someone who may delete it (the store checks again)
            if not store.may(access.DELETE, run):
                raise run_store.RunStoreError(run_store.NOT_YOURS)
            st.session_state[CONFIRM] = run_id
            return
        name = run.name
        store.delete(run_id)
    except run_store.RunStoreError as exc:
        return say("error", str(exc))
    say("success", f"“{md(name)}” was deleted.")


def share(store: run_store.RunStore, run_id: str, key: str) -> None:
    try:
        run = store.share(run_id, st.session_state[key])
    except run_store.RunStoreError as exc:
        return say("error", str(exc))
    say("success", f"“{md(run.name)}” is in the class gallery: everyone signed in can view, overlay and load it."
        if run.shared else f"“{md(run.name)}” is private again: only you (and teachers) see it.")


def owner(run: run_store.SavedRun, user: access.User) -> str:
    """Whose run it is, for the table: "you", or the name the owner signed in with."""
    if run.owner == user.key:
        return "you"
    return run.owner_name or ("saved before sign-in" if run.owner is None else "someone")


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
    model_choice.set_active_network(f"uploaded {name} (width {net.width})", net)
    say("success", f"{name} is now the model every page shows: a {net.activation} network, width {net.width}. "
        "It is yours to explore while you stay; it is not saved on the server.", UPLOADED)


def keras_file(net, lock) -> bytes:
    from nnviz import model_io

    with lock:  # building a Keras model: never alongside a trainer's seeded build
        return model_io.keras_bytes(net)


store = run_lists.saved_runs()  # with login on and nobody signed in, this shows the sign-in screen and stops
user = store.user
st.title("Runs & models")
st.write("Every training run that finishes, or that you stop, is saved on this server, so it is still here after "
         "a page refresh or a server restart. Pick a saved run to make it the model every page shows, or to "
         "rename, download or delete it. Overlay several runs to compare how they learned.")
if not user.local:
    st.write("Your runs are yours: others see one only if you share it with the class, and then they can view, "
             "overlay and load it but not rename or delete it."
             + (" As a teacher you see every run." if user.teacher else ""))
st.write("You can also upload a Keras model of the same shape (a 28×28 digit in, one hidden layer, 10 answers "
         "out). It is explored on every page for as long as you stay, but it is not saved here.")
if user.local or user.teacher:
    st.caption("Whoever runs the server can also browse the saved runs in TensorBoard: `pip install tensorboard`, "
               f"then `tensorboard --logdir {run_store.logdir_hint()}`.")

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
        **({} if user.local else {"Owner": [owner(r, user) for r in runs.values()],
                                  "Shared": [r.shared for r in runs.values()]}),
    }, hide_index=True, width="stretch", column_config={
        "Digits": column.NumberColumn(format="localized", help="Training digits used"),
        "Validation": column.TextColumn(alignment="right", help="Validation accuracy after the last full epoch. "
                                        "A dash: the run ended before its first full epoch."),
        "Test": column.TextColumn(alignment="right", help="Accuracy on held-out test digits. A dash: the run "
                                  "was not tested."),
    })
    # Pickers hold run ids, shown by labels that differ for every run: runs may share a name and a minute.
    labels = run_store.picker_labels(listing.runs)
    ids = list(runs)

    def label(run_id: str) -> str:
        return labels.get(run_id, str(run_id))

    # Keyed "stack…": the columns stack below 1000 px (nnviz/app/screen.py), where the run's column got too narrow.
    manage, compare = st.container(key="stack_runs").columns([1, 2.1], gap="large")
    with manage, st.container(border=True):
        show(MESSAGE)
        picked = st.session_state.get(PICKED)
        key = widget_key("runs_pick", labels)
        run_id = st.selectbox("Saved run", ids, index=ids.index(picked) if picked in runs else 0,
                              format_func=label, key=key, on_change=remember, args=(key, PICKED))
        run_id = st.session_state[PICKED] = run_id if run_id in runs else ids[0]
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
            st.caption(f"{md(owner(run, user))}'s run: you can load, download and overlay it; only they can "
                       "rename, delete or share it.")
        st.text_input("Name", value=run.name, max_chars=run_store.MAX_NAME, key=f"rename_{run_id}", disabled=not mine)
        # One button a row: side by side, "Rename" and "Delete…" were cut off in this narrow column.
        st.button("Rename", on_click=rename, args=(store, run_id), icon=":material/edit:", width="stretch",
                  disabled=not mine)
        st.button("Delete…", on_click=delete, args=(store, run_id, False), icon=":material/delete:",
                  width="stretch", disabled=not mine)
        if not user.local:
            # Keyed by the shared flag too: a toggle changed in another tab shows the run as it now is.
            key = f"share_{run_id}_{int(run.shared)}"
            st.toggle("Shared with the class", value=run.shared, key=key, on_change=share,
                      args=(store, run_id, key), disabled=not mine,
                      help="Everyone signed in can then view, overlay and load it; only you can rename or delete it.")
        if st.session_state.get(CONFIRM) == run_id and mine:
            st.warning(f"Delete “{md(run.name)}” for good? Its model, curves and TensorBoard logs are removed.")
            st.button("Yes, delete", on_click=delete, args=(store, run_id, True), type="primary", width="stretch")
            st.button("Cancel", on_click=st.session_state.pop, args=(CONFIRM, None), width="stretch")
    with compare:
        a, b = st.columns([3, 1], vertical_alignment="bottom")
        overlaid = st.session_state.get(OVERLAID, run_store.default_overlay(listing.runs))
        key = widget_key("runs_compare", labels)
        chosen = a.multiselect("Overlay the curves of", ids, default=[i for i in overlaid if i in runs],
                               format_func=label, key=key, on_change=remember, args=(key, OVERLAID),
                               wrap=True)  # every chosen run stays in view, also on a phone
        chosen = st.session_state[OVERLAID] = [i for i in chosen if i in runs]  # a deleted run drops out
        metric = b.radio("Show", ["accuracy", "loss"], horizontal=True, key="runs_metric")
        curves = []
        for i in chosen:
            try:
                curves.append((labels[i], store.record(i).history))
            except run_store.RunStoreError as exc:
                st.warning(f"{md(runs[i].name)}: {exc}")
        if curves:  # names are escaped for plotly, which reads <…> and %{…} in text
            fig = figures.overlay([(n.replace("<", "‹").replace(">", "›").replace("%", "％"), h) for n, h in curves],
                                  metric, height=440)
            # The legend goes under the plot: beside it, long run names would squeeze the curves.
            st.plotly_chart(fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, x=0)), **CHART)

st.subheader("The model in use")
label, net = model_choice.active_network()
left, right = st.container(key="stack_runs_model").columns([1, 1.4], gap="large")
with left:
    st.markdown(f"Every page shows the **{label}** model. Download it, or upload a model of your own.")
    lock = resources.training_pool().build_lock
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
