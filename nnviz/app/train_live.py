"""The Train page's live views: the run's status, numbers and curves, then its heavier pictures, each in
a fragment that polls as training.commands.poll_seconds says (see train_controls.live_interval)."""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from nnviz import settings
from nnviz.app import digit_choice
from nnviz.app.boundary import boundary
from nnviz.app.live_map import live_map
from nnviz.app.messages import show, show_status
from nnviz.app.train_controls import live_interval, step_pending
from nnviz.figures import common, live
from nnviz.training import layer_change
from nnviz.training.commands import pictures_seconds
from nnviz.training.snapshot import Snapshot
from nnviz.training.split import VAL_PER_EPOCH, VAL_SUBSET
from nnviz.training.status import Status
from nnviz.training.trainer import Trainer

TILES = 18   # live first-layer tiles: enough to watch patterns form, light enough to resend each second
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
    m[2].metric("Samples/s", live.rate(snap.samples_per_s))
    m[3].metric("Time left", "–" if snap.eta_seconds is None else f"{snap.eta_seconds:,.0f} s")
    m[4].metric("Validation subset", percent(h.val_accuracy[-1]) if len(h.val_accuracy) else "–",
                help=f"Accuracy on the first {VAL_SUBSET:,} of the {n_val:,} validation digits, measured "
                     f"{settings.count(VAL_PER_EPOCH, 'time')} per epoch. The Test results' “Validation” uses "
                     "all of them, once per epoch, so the two differ a little.")


@dataclass
class Kept:
    """What a session's live views keep between refreshes: the layer-change trail, and the last data of
    each picture with the snapshot it was made from, so that a refresh with no new snapshot makes nothing
    again (the curves poll faster than a worker publishes)."""

    trail: layer_change.Trail = field(default_factory=layer_change.Trail)
    made: dict[str, tuple[tuple, object]] = field(default_factory=dict)

    def made_for(self, name: str, key: tuple, make: Callable[[], object]):
        if name not in self.made or self.made[name][0] != key:
            self.made[name] = (key, make())
        return self.made[name][1]


_KEPT: weakref.WeakKeyDictionary[Trainer, Kept] = weakref.WeakKeyDictionary()  # one trainer per session
_KEPT_LOCK = threading.Lock()  # sessions refresh on their own threads


def kept(trainer: Trainer) -> Kept:
    with _KEPT_LOCK:
        return _KEPT.setdefault(trainer, Kept())


def curves(trainer: Trainer, snap: Snapshot) -> None:
    a, b = st.columns(2)
    for column, metric in ((a, "accuracy"), (b, "loss")):
        data = kept(trainer).made_for(metric, (snap.run_id, snap.version),
                                      lambda metric=metric: live.curves_data(snap.history, metric))
        column.vega_lite_chart(data, live.curves_spec(metric), width="stretch")


def pictures(trainer: Trainer, snap: Snapshot, digit) -> None:
    """The probe digit's probabilities, the first layer's weight tiles, and which layer is learning."""
    remembered = kept(trainer)
    a, b = st.columns(2)
    probe = snap.probe
    data = remembered.made_for("probe", (snap.run_id, snap.version, digit.label), lambda: live.probe_data(
        *((probe.step, probe.probs) if probe is not None else ((), ())), snap.steps_per_epoch, digit.label))
    a.vega_lite_chart(data, live.probe_spec(), width="stretch")
    picture, words = a.columns([1, 4], vertical_alignment="center")
    picture.image(common.pixelated(digit.image, 56), width=56)  # the same image each refresh: the same file
    words.caption(f"Your digit ({digit.source}), answered again as the network learns: green, its true digit; "
                  "yellow, the network's answer while it is wrong.")
    if snap.network is not None:
        count = min(TILES, snap.network.w1.shape[1])
        b.markdown(f"**First-layer weights**, neurons 0–{count - 1}")
        with b:
            st.html(remembered.made_for("tiles", (snap.run_id, snap.step),
                                        lambda: live.weight_tiles_html(snap.network.w1, TILES)))
        b.caption("One tile per hidden neuron: its 784 input weights, red raising it, blue lowering it.")
        remembered.trail = layer_change.advance(remembered.trail, snap.run_id, snap.step, snap.network)
    trail = remembered.trail
    if trail.depth:
        b.vega_lite_chart(live.layer_change_data(trail.steps, trail.changes, snap.steps_per_epoch),
                          live.layer_change_spec(trail.depth), width="stretch")
        b.caption("How much of each hidden layer's weights one step changes (relative to their size): a line "
                  "that sinks belongs to a layer that has nearly stopped learning.")


def live_views(trainer: Trainer, n_val: int) -> None:
    """The live status, numbers and curves, then the probe digit, the weight tiles and the layer changes.

    They rerun the whole page when a run ends (new results) or the polling rate changes (they must
    poll, or stop polling: an idle poll can swallow a button click)."""
    shown_runs, interval = len(trainer.records), live_interval()

    @st.fragment(run_every=interval)
    def live_curves():
        with boundary("the live curves"):
            snap = trainer.snapshot
            status_line(snap)
            numbers(snap, n_val)
            curves(trainer, snap)
        if len(trainer.records) != shown_runs or live_interval() != interval:
            st.rerun()

    @st.fragment(run_every=pictures_seconds(interval))
    def live_pictures():
        """The pictures and the map in one fragment: they refresh together, and each fragment rerun has
        a fixed cost in the server (a script run, and Streamlit's full garbage collection after it)."""
        with boundary("the live pictures"):
            digit = digit_choice.current_digit()
            trainer.set_probe(digit.image)
            pictures(trainer, trainer.snapshot, digit)
        with boundary("the live map"):
            live_map(trainer.snapshot)

    live_curves()
    live_pictures()
