"""Train page: set up the network, train it live in the background, compare runs, inspect the test results."""

import math

import streamlit as st

from nnviz import settings, training, ui
from nnviz.figures import training as figures

STATUS = {  # how each trainer status is announced: (alert, icon)
    "starting": (st.info, ":material/hourglass_top:"), "ready": (st.info, ":material/play_circle:"),
    "queued": (st.warning, ":material/hourglass_top:"), "training": (st.info, ":material/model_training:"),
    "paused": (st.info, ":material/pause_circle:"), "finished": (st.success, ":material/check_circle:"),
    "stopped": (st.info, ":material/stop_circle:"), "diverged": (st.error, ":material/trending_up:"),
    "failed": (st.error, ":material/error:"), "closed": (st.warning, ":material/link_off:"),
}
IDLE_TEXT = {"starting": "Preparing the model…", "ready": "Ready: press **Train**, or **Step** for one batch.",
             "training": "Training…", "paused": "Paused. **Train** resumes; **Step** trains one batch.",
             "closed": "This run was closed. Press **Train** to start a new one."}
CHART = {"config": {"displayModeBar": False}}
PICTURES_SECONDS = 1.0


def percent(x: float) -> str:
    return f"{x:.1%}" if math.isfinite(x) else "–"


st.title("Train the network")
st.write("Set a width and a dropout rate, press **Train**, and watch the network learn real MNIST digits. "
         "**Light blue** is how it does on the digits it trains on, **orange** on validation digits it never "
         "trains on. Light blue racing ahead of orange is overfitting: the network memorises its own digits. "
         "Dropout narrows that gap; it need not make validation better. **Compare runs** below has a one-click "
         "experiment that shows it.")

ui.continue_experiment()  # the overfitting experiment's next run, once the previous one has ended
chosen = ui.train_settings()
for notice in ui.url_notices():
    st.warning(notice, icon=":material/link_off:")
ds, ds_notice = ui.training_dataset(chosen.dataset)
n_val = len(training.held_out_split(len(ds.y_test))[0])  # validation digits (the rest of the test split tests)

controls, live = st.columns([1, 2.8], gap="large")
with controls:
    for group in settings.GROUPS:
        with st.container(border=True):
            st.markdown(f"**{group}**")
            chosen = ui.settings_controls(chosen, len(ds.y_train), group)
    if ds_notice:
        st.info(ds_notice, icon=":material/cloud_off:")
        if st.button("Download full MNIST (11 MB)", icon=":material/download:"):
            with st.spinner("Downloading full MNIST…"):
                problem = ui.download_full_mnist()
            st.error(problem, icon=":material/cloud_off:") if problem else st.rerun()
ui.sync_url(chosen)

trainer = ui.trainer(chosen, ds)
snap = trainer.snapshot
# The live views rerun the whole page when either changes: a run ended (new results), or training
# started or stopped (they must poll, or stop polling: an idle poll can swallow a button click).
shown_runs, interval = len(trainer.records), ui.live_interval()
changed = snap.in_progress and snap.settings != chosen

with live:
    # Buttons stay clickable (a click that makes no sense gets a message), except while changed
    # settings wait for the choice between a new run and undoing them.
    buttons = [("Train", "play", ":material/play_arrow:", changed), ("Pause", "pause", ":material/pause:", False),
               ("Step", "step", ":material/skip_next:", changed), ("Stop", "stop", ":material/stop:", False),
               ("Reset", "reset", ":material/restart_alt:", False)]
    for col, (label, action, icon, disabled) in zip(st.columns(5), buttons, strict=True):
        col.button(label, key=f"train_{action}", icon=icon, disabled=disabled, use_container_width=True,
                   type="primary" if action == "play" else "secondary",
                   on_click=ui.train_command, args=(action, chosen, ds))
    if changed:
        names = ", ".join(settings.SPEC[n].label.lower() for n in snap.settings.differences(chosen))
        st.warning(f"You changed the {names}. {snap.name} keeps its own settings; the new ones need a new run "
                   "with fresh weights.", icon=":material/tune:")
        a, b = st.columns(2)
        a.button("Start a new run", on_click=ui.train_command, args=("reset", chosen, ds), icon=":material/add:",
                 use_container_width=True)
        b.button("Undo my changes", on_click=ui.train_command, args=("undo", chosen, ds), icon=":material/undo:",
                 use_container_width=True)
    answer = st.session_state.get(ui.TRAIN_MESSAGE)
    if answer:
        {"info": st.info, "warning": st.warning, "success": st.success}[answer[0]](answer[1])

    @st.fragment(run_every=interval)
    def live_curves():
        snap = trainer.snapshot
        alert, icon = STATUS.get(snap.status, (st.info, None))
        if ui.step_pending() and not snap.message:
            st.info("Preparing the run for its first step…", icon=":material/hourglass_top:")
        else:
            alert(snap.message or IDLE_TEXT.get(snap.status, snap.status), icon=icon)
        s, h = snap.settings, snap.history
        m = st.columns([1, 1, 1, 1, 1.5])  # room for "Validation subset" on a tablet
        m[0].metric(f"Epoch (of {s.epochs})" if s.epochs else "Epoch", f"{snap.epoch:.1f}")
        m[1].metric("Step", f"{snap.step:,}", help="Batches trained so far: one weight update each.")
        m[2].metric("Samples/s", f"{snap.samples_per_s:,.0f}" if snap.samples_per_s else "–")
        m[3].metric("Time left", "–" if snap.eta_seconds is None else f"{snap.eta_seconds:,.0f} s")
        m[4].metric("Validation subset", percent(h.val_accuracy[-1]) if len(h.val_accuracy) else "–",
                    help=f"Accuracy on the first {training.VAL_SUBSET:,} of the {n_val:,} validation digits, "
                         f"measured {settings.count(training.VAL_PER_EPOCH, 'time')} per epoch. The Test results' "
                         "“Validation” uses all of them, once per epoch, so the two differ a little.")
        a, b = st.columns(2)
        # Stable keys: the browser updates these charts in place instead of rebuilding them each refresh.
        a.plotly_chart(figures.curves(h, "accuracy"), key="live_accuracy", **CHART)
        b.plotly_chart(figures.curves(h, "loss"), key="live_loss", **CHART)
        if len(trainer.records) != shown_runs or ui.live_interval() != interval:
            st.rerun()

    @st.fragment(run_every=interval and PICTURES_SECONDS)
    def live_pictures():  # heavier pictures, refreshed less often than the curves
        snap = trainer.snapshot
        digit = ui.current_digit()
        trainer.set_probe(digit.image)
        a, b = st.columns(2)
        if snap.probe is not None:
            a.plotly_chart(figures.probe(snap.probe.step, snap.probe.probs, snap.steps_per_epoch, digit.label),
                           key="live_probe", **CHART)
            a.caption(f"Your digit ({digit.source}), answered again as the network learns: green, its true "
                      "digit; yellow, the network's answer while it is wrong.")
        if snap.network is not None:
            b.plotly_chart(figures.weight_tiles(snap.network.w1), key="live_tiles", **CHART)
            b.caption("One tile per hidden neuron: its 784 input weights, red raising it, blue lowering it.")

    live_curves()
    live_pictures()

records = ui.runs()
st.subheader("Test results")
if not records:
    st.info("When a run finishes or you stop it, it is tested here on digits it never saw.", icon=":material/quiz:")
else:
    # Keyed by the number of runs, so the newest run is shown whenever one ends.
    run = st.selectbox("Run", records[::-1], format_func=lambda r: r.label, key=f"test_run_{len(records)}")
    ev, run_ds = run.evaluation, ui.dataset_named(run.dataset)
    final = run.final()
    st.markdown("**Accuracy on each kind of digit**")
    m = st.columns(4)
    m[0].metric("Test", f"{ev.accuracy:.1%}",
                help=f"On {ev.labels.size:,} held-out test digits, used for nothing else: the fair score.")
    m[1].metric("Validation", percent(final["val_accuracy"]),
                help="On all the validation digits, after the last full epoch. The live “Validation subset” used "
                     f"the first {training.VAL_SUBSET:,} of them, several times per epoch, so it differs a little.")
    m[2].metric("Training", percent(final["train_accuracy"]),
                help=f"On its own {run.train_size:,} training digits: the mean over the last epoch's batches, "
                     "with dropout on.")
    m[3].metric("Mistakes", f"{int((ev.labels != ev.predictions).sum()):,}", help="Among the test digits.")
    left, right = st.columns([1, 1.4], gap="large")
    key = f"confusion_{run.run_id}"
    picked = [p for p in (st.session_state.get(key) or {}).get("selection", {}).get("points", []) if "x" in p]
    cell = (int(picked[0]["y"]), int(picked[0]["x"])) if picked else None
    with left:
        st.plotly_chart(figures.confusion(ev.confusion), key=key, on_select="rerun",
                        selection_mode="points", **CHART)
    with right:
        positions = ev.cell(*cell)[:40] if cell else ev.mistakes(40)
        what = f"true {cell[0]}, predicted {cell[1]}" if cell else "the most confident mistakes"
        st.markdown(f"**{len(positions)} digits: {what}.** Click a matrix cell to choose; click a digit to open "
                    "it on Draw." if len(positions) else f"**No test digits were {what}.**")
        if run_ds is None:
            st.warning("This run's dataset is not loaded, so its digits cannot be shown.")
        elif len(positions):
            rows = [ev.lookup(int(i)) for i in positions]
            hovers = [f"test digit #{i}<br>true {t}, predicted {p} ({c:.0%})"
                      for i, (t, p, c) in zip(positions, rows, strict=True)]
            event = st.plotly_chart(figures.gallery(run_ds.x_test[positions] / 255.0,
                                                    [f"{t}→{p}" for t, p, _ in rows], hovers),
                                    key=f"gallery_{run.run_id}_{cell}", on_select="rerun", selection_mode="points",
                                    **CHART)
            clicked = [p["customdata"] for p in event.selection.points if "customdata" in p]
            if clicked:
                ui.send_to_draw(int(positions[int(clicked[0])]), run_ds)
                st.switch_page("views/draw.py")

st.subheader("Compare runs")
plain, dropped = settings.OVERFITTING_EXPERIMENT
st.button(f"Run the overfitting experiment: {plain.train_size:,} digits, width {plain.width}, dropout "
          f"{plain.dropout:g} then {dropped.dropout:g}", on_click=ui.start_experiment, icon=":material/science:",
          help=f"Two runs of {settings.count(plain.epochs, 'epoch')}, one after the other (under a minute each "
               "here). With so few digits, a wide network memorises them: training accuracy reaches 100% while "
               "validation stays near 86%, a gap of about 14 points. With dropout it cannot memorise as easily: "
               "the gap shrinks to about 6 points, though validation accuracy hardly changes. Show **loss** to "
               "see the validation loss turn back up without dropout, and not with it.")
if len(records) < 2:
    st.info("Every ended run is kept. Train two (or run the experiment above) to overlay them here.",
            icon=":material/stacked_line_chart:")
else:
    a, b = st.columns([3, 1])
    chosen_runs = a.multiselect("Runs", records, default=records[-2:], format_func=lambda r: r.label,
                                key=f"compare_runs_{len(records)}")  # a new run joins the selection
    metric = b.radio("Show", ["accuracy", "loss"], horizontal=True, key="compare_metric")
    if chosen_runs:
        st.plotly_chart(figures.overlay([(r.name, r.history) for r in chosen_runs], metric), **CHART)
        st.plotly_chart(figures.gaps([(r.name, r.final()["train_accuracy"], r.final()["val_accuracy"])
                                      for r in chosen_runs]), **CHART)
        st.caption("Training accuracy is the mean over each run's last epoch on its own training digits (with "
                   "dropout on); validation is on all the validation digits after that epoch. A run that never "
                   "finished an epoch has no gap yet.")
