"""Train page: set up the network, train it live in the background, compare runs, inspect the test results."""

import streamlit as st

from nnviz import settings
from nnviz.app import run_lists, session
from nnviz.app.datasets import download_full_mnist, training_dataset
from nnviz.app.messages import show
from nnviz.app.train_controls import continue_experiment, press, trainer
from nnviz.app.train_live import live_views
from nnviz.app.train_results import compare_runs, test_results
from nnviz.app.train_settings import settings_controls, sync_url, train_settings
from nnviz.training.commands import Action, settings_changed
from nnviz.training.split import held_out_split

BUTTONS = [("Train", Action.PLAY, ":material/play_arrow:"), ("Pause", Action.PAUSE, ":material/pause:"),
           ("Step", Action.STEP, ":material/skip_next:"), ("Stop", Action.STOP, ":material/stop:"),
           ("Reset", Action.RESET, ":material/restart_alt:")]

st.title("Train the network")
st.write("Pick a network (a preset, or up to four hidden layers with their widths), press **Train**, and watch "
         "it learn real MNIST digits. "
         "**Light blue** is how it does on the digits it trains on, **orange** on validation digits it never "
         "trains on. Light blue racing ahead of orange is overfitting: the network memorises its own digits. "
         "Dropout narrows that gap; it need not make validation better. **Compare runs** below has a one-click "
         "experiment that shows it.")

continue_experiment()  # the overfitting experiment's next run, once the previous one has ended
chosen = train_settings()
for notice in session.url_notices():
    show("warning", notice, ":material/link_off:")
ds, ds_notice = training_dataset(chosen.dataset)
n_val = len(held_out_split(len(ds.y_test))[0])  # validation digits (the rest of the test split tests)

controls, live = st.columns([1, 2.8], gap="large")
with controls:
    for group in settings.GROUPS:
        with st.container(border=True):
            st.markdown(f"**{group}**")
            chosen = settings_controls(chosen, len(ds.y_train), group)
    if ds_notice:
        show("info", ds_notice, ":material/cloud_off:")
        if st.button("Download full MNIST (11 MB)", icon=":material/download:"):
            with st.spinner("Downloading full MNIST…"):
                problem = download_full_mnist()
            show("error", problem, ":material/cloud_off:") if problem else st.rerun()
sync_url(chosen)

run = trainer(chosen, ds)
snap = run.snapshot
changed = settings_changed(snap, chosen)

with live:
    # Buttons stay clickable (a click that makes no sense gets a message), except Train and Step while
    # changed settings wait for the choice between a new run and undoing them.
    for col, (label, action, icon) in zip(st.columns(5), BUTTONS, strict=True):
        col.button(label, key=f"train_{action}", icon=icon, use_container_width=True,
                   disabled=changed and action in (Action.PLAY, Action.STEP),
                   type="primary" if action == Action.PLAY else "secondary", on_click=press, args=(action, chosen, ds))
    if changed:
        names = ", ".join(settings.SPEC[n].label.lower() for n in snap.settings.differences(chosen))
        show("warning", f"You changed the {names}. {snap.name} keeps its own settings; the new ones need a new run "
             "with fresh weights.", ":material/tune:")
        a, b = st.columns(2)
        a.button("Start a new run", on_click=press, args=(Action.RESET, chosen, ds), icon=":material/add:",
                 use_container_width=True)
        b.button("Undo my changes", on_click=press, args=(Action.UNDO, chosen, ds), icon=":material/undo:",
                 use_container_width=True)
    if session.message():
        show(*session.message())
    live_views(run, n_val)

records = run_lists.session_runs()
test_results(records)
compare_runs(records)
