"""Runs & models page: saved runs (compare, load, rename, delete, share, download) and .keras upload/download.

With login on, the page lists the signed-in user's runs and the class gallery (teachers: every run), and offers
to rename, delete or share only the user's own; the store refuses the rest whatever the browser sends."""

import streamlit as st

from nnviz import keras_file, run_store, text
from nnviz.app import code_panel, run_lists, runs_actions, runs_page, session
from nnviz.app.messages import show

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
st.write(f"You can also upload a Keras model of the same kind (a 28×28 digit in, 1 to {keras_file.SHOWN_DEPTH} "
         "hidden layers, 10 answers out). It is explored on every page for as long as you stay, but it is not "
         "saved here.")
if user.local or user.teacher:
    st.caption("Whoever runs the server can also browse the saved runs in TensorBoard: `pip install tensorboard`, "
               f"then `tensorboard --logdir {run_store.logdir_hint()}`.")

listing = store.list()
runs = {r.run_id: r for r in listing.runs}
st.subheader("Saved runs")
if listing.problems:
    show("warning", "These folders in the runs folder could not be read, so they are left out:\n\n"
         + "\n".join(f"- {text.literal(p)}" for p in listing.problems), ":material/folder_off:")
if not runs:
    runs_actions.show_once(session.RUNS_MESSAGE)  # e.g. that the last run was deleted
    show("info", "No saved runs yet. Train one on the **Train** page: it appears here when it finishes or you stop "
         "it.", ":material/folder_open:")
else:
    runs_page.runs_table(list(runs.values()), user)
    # Pickers hold run ids, shown by labels that differ for every run: runs may share a name and a minute.
    labels = run_store.picker_labels(listing.runs)
    # Keyed "stack…": the columns stack below 1000 px (nnviz/app/screen.py), where the run's column got too narrow.
    manage, compare = st.container(key="stack_runs").columns([1, 2.1], gap="large")
    with manage, st.container(border=True):
        runs_page.run_panel(store, runs, labels)
    with compare:
        runs_page.overlay_panel(store, runs, labels)
    code_panel.saved_run(runs.get(session.picked()) or listing.runs[0])  # the run the picker shows

st.subheader("The model in use")
runs_page.model_in_use(store)
code_panel.active_model()
