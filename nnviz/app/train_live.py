"""The Train page's live views: the run's status, numbers and curves, then its heavier pictures, each in
a fragment that polls while training (see train_controls.live_interval)."""

from __future__ import annotations

import math

import streamlit as st

from nnviz import settings
from nnviz.app import digit_choice
from nnviz.app.boundary import boundary
from nnviz.app.charts import CHART
from nnviz.app.messages import show, show_status
from nnviz.app.train_controls import live_interval, step_pending
from nnviz.figures import training as figures
from nnviz.training.snapshot import Snapshot
from nnviz.training.split import VAL_PER_EPOCH, VAL_SUBSET
from nnviz.training.status import Status
from nnviz.training.trainer import Trainer

PICTURES_SECONDS = 1.0                          # the heavier pictures refresh at most this often
IDLE_TEXT = {Status.STARTING: "Preparing the model…",
             Status.READY: "Ready: press **Train**, or **Step** for one batch.",
             Status.TRAINING: "Training…", Status.PAUSED: "Paused. **Train** resumes; **Step** trains one batch.",
             Status.CLOSED: "This run was closed. Press **Train** to start a new one."}


def percent(x: float) -> str:
    return f"{x:.1%}" if math.isfinite(x) else "–"


def status_line(snap: Snapshot) -> None:
    if step_pending() and not snap.message:
        show("info", "Preparing the run for its first step…", ":material/hourglass_top:")
    else:
        show_status(snap.status, snap.message or IDLE_TEXT.get(snap.status, snap.status))


def numbers(snap: Snapshot, n_val: int) -> None:
    s, h = snap.settings, snap.history
    m = st.columns([1, 1, 1, 1, 1.5])  # room for "Validation subset" on a tablet
    m[0].metric(f"Epoch (of {s.epochs})" if s.epochs else "Epoch", f"{snap.epoch:.1f}")
    m[1].metric("Step", f"{snap.step:,}", help="Batches trained so far: one weight update each.")
    m[2].metric("Samples/s", f"{snap.samples_per_s:,.0f}" if snap.samples_per_s else "–")
    m[3].metric("Time left", "–" if snap.eta_seconds is None else f"{snap.eta_seconds:,.0f} s")
    m[4].metric("Validation subset", percent(h.val_accuracy[-1]) if len(h.val_accuracy) else "–",
                help=f"Accuracy on the first {VAL_SUBSET:,} of the {n_val:,} validation digits, measured "
                     f"{settings.count(VAL_PER_EPOCH, 'time')} per epoch. The Test results' “Validation” uses "
                     "all of them, once per epoch, so the two differ a little.")


def live_views(trainer: Trainer, n_val: int) -> None:
    """The live status, numbers and curves, then the probe digit and the weight tiles.

    They rerun the whole page when a run ends (new results) or training starts or stops (they must
    poll, or stop polling: an idle poll can swallow a button click)."""
    shown_runs, interval = len(trainer.records), live_interval()

    @st.fragment(run_every=interval)
    def live_curves():
        with boundary("the live curves"):
            snap = trainer.snapshot
            status_line(snap)
            numbers(snap, n_val)
            a, b = st.columns(2)
            a.plotly_chart(figures.curves(snap.history, "accuracy"), key="live_accuracy", **CHART)
            b.plotly_chart(figures.curves(snap.history, "loss"), key="live_loss", **CHART)
        if len(trainer.records) != shown_runs or live_interval() != interval:
            st.rerun()

    @st.fragment(run_every=interval and PICTURES_SECONDS)
    def live_pictures():
        with boundary("the live pictures"):
            snap, digit = trainer.snapshot, digit_choice.current_digit()
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
