"""The Train page's results: an ended run tested on held-out digits (with its mistakes), and ended runs compared."""

from __future__ import annotations

import streamlit as st

from nnviz import settings
from nnviz.app.charts import CHART
from nnviz.app.datasets import dataset_named
from nnviz.app.messages import show
from nnviz.app.train_controls import send_to_draw, start_experiment
from nnviz.app.train_live import percent
from nnviz.figures import training as figures
from nnviz.run_record import RunRecord
from nnviz.training.split import VAL_SUBSET


def picked_cell(selection: dict | None) -> tuple[int, int] | None:
    """The confusion-matrix cell (true, predicted) a click selected, from the chart's selection state."""
    points = [p for p in ((selection or {}).get("selection") or {}).get("points", []) if "x" in p]
    return (int(points[0]["y"]), int(points[0]["x"])) if points else None


def accuracies(run: RunRecord) -> None:
    ev, final = run.evaluation, run.final()
    st.markdown("**Accuracy on each kind of digit**")
    m = st.columns(4)
    m[0].metric("Test", f"{ev.accuracy:.1%}",
                help=f"On {ev.labels.size:,} held-out test digits, used for nothing else: the fair score.")
    m[1].metric("Validation", percent(final["val_accuracy"]),
                help="On all the validation digits, after the last full epoch. The live “Validation subset” used "
                     f"the first {VAL_SUBSET:,} of them, several times per epoch, so it differs a little.")
    m[2].metric("Training", percent(final["train_accuracy"]),
                help=f"On its own {run.train_size:,} training digits: the mean over the last epoch's batches, "
                     "with dropout on.")
    m[3].metric("Mistakes", f"{int((ev.labels != ev.predictions).sum()):,}", help="Among the test digits.")


def mistakes(run: RunRecord, cell: tuple[int, int] | None) -> None:
    """The digits of a confusion cell (else the most confident mistakes); a click opens one on Draw."""
    ev, run_ds = run.evaluation, dataset_named(run.dataset)
    positions = ev.cell(*cell)[:40] if cell else ev.mistakes(40)
    what = f"true {cell[0]}, predicted {cell[1]}" if cell else "the most confident mistakes"
    st.markdown(f"**{len(positions)} digits: {what}.** Click a matrix cell to choose; click a digit to open "
                "it on Draw." if len(positions) else f"**No test digits were {what}.**")
    if run_ds is None:
        return show("warning", "This run's dataset is not loaded, so its digits cannot be shown.")
    if not len(positions):
        return
    rows = [ev.lookup(int(i)) for i in positions]
    hovers = [f"test digit #{i}<br>true {t}, predicted {p} ({c:.0%})" for i, (t, p, c) in zip(positions, rows)]
    event = st.plotly_chart(figures.gallery(run_ds.x_test[positions] / 255.0, [f"{t}→{p}" for t, p, _ in rows], hovers),
                            key=f"gallery_{run.run_id}_{cell}", on_select="rerun", selection_mode="points", **CHART)
    clicked = [p["customdata"] for p in event.selection.points if "customdata" in p]
    if clicked:
        send_to_draw(int(positions[int(clicked[0])]), run_ds)
        st.switch_page("views/draw.py")


def test_results(records: list[RunRecord]) -> None:
    st.subheader("Test results")
    if not records:
        return show("info", "When a run finishes or you stop it, it is tested here on digits it never saw.",
                    ":material/quiz:")
    # Keyed by the number of runs, so the newest run is shown whenever one ends.
    run = st.selectbox("Run", records[::-1], format_func=lambda r: r.label, key=f"test_run_{len(records)}")
    accuracies(run)
    left, right = st.columns([1, 1.4], gap="large")
    key = f"confusion_{run.run_id}"
    cell = picked_cell(st.session_state.get(key))
    with left:
        st.plotly_chart(figures.confusion(run.evaluation.confusion), key=key, on_select="rerun",
                        selection_mode="points", **CHART)
    with right:
        mistakes(run, cell)


def compare_runs(records: list[RunRecord]) -> None:
    st.subheader("Compare runs")
    plain, dropped = settings.OVERFITTING_EXPERIMENT
    st.button(f"Run the overfitting experiment: {plain.train_size:,} digits, width {plain.width}, dropout "
              f"{plain.dropout:g} then {dropped.dropout:g}", on_click=start_experiment, icon=":material/science:",
              help=f"Two runs of {settings.count(plain.epochs, 'epoch')}, one after the other (under a minute each "
                   "here). With so few digits, a wide network memorises them: training accuracy reaches 100% while "
                   "validation stays near 86%, a gap of about 14 points. With dropout it cannot memorise as easily: "
                   "the gap shrinks to about 6 points, though validation accuracy hardly changes. Show **loss** to "
                   "see the validation loss turn back up without dropout, and not with it.")
    if len(records) < 2:
        return show("info", "Every ended run is kept. Train two (or run the experiment above) to overlay them here.",
                    ":material/stacked_line_chart:")
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
