"""The sweeps page's glue: carries out nnviz.sweep's orders on this session's trainer (the Train page's,
under the same server-wide cap and queue), tags each finished run as part of its sweep in the runs
folder, and draws the sweep's chart and progress."""

from __future__ import annotations

import time

import streamlit as st

from nnviz import sweep as core
from nnviz.app import run_lists, session
from nnviz.app.boundary import boundary
from nnviz.app.datasets import training_dataset
from nnviz.app.messages import show
from nnviz.app.train_controls import trainer
from nnviz.figures.sweep import sweep_figure
from nnviz.run_record import SweepTag
from nnviz.run_store import RunStoreError

SWEEP, PICK, EARLIER = session.SWEEP, session.SWEEP_PICK, session.SWEEP_EARLIER  # declared in session


def current() -> core.Sweep | None:
    return session.sweep()


def message() -> tuple[str, str] | None:
    return session.sweep_message()


def _dataset(sweep: core.Sweep):
    return training_dataset(sweep.spec.base.dataset)[0]


def _carry_out(sweep: core.Sweep, order: core.Order) -> None:
    """Do what the sweep's state machine ordered, keep the new state, and say what it said."""
    t = session.trainer()
    if order.do == core.Do.START_RUN:
        settings = sweep.run_settings()
        t = trainer(settings, _dataset(sweep))
        t.reset(settings, _dataset(sweep))
        t.play()
        sweep = sweep.running(t.snapshot.run_id)
    elif t is not None and order.do == core.Do.PAUSE_RUN:
        t.pause()
    elif t is not None and order.do == core.Do.PLAY_RUN:
        t.play()
    elif t is not None and order.do == core.Do.STOP_RUN:
        t.stop()
        run_lists.session_runs()
    session.set_sweep(sweep)
    if order.message is not None:
        session.set_sweep_message(order.message)


def start() -> None:
    """Run (a callback): a new sweep of the picked setting; a sweep under way is cancelled first."""
    session.set_sweep_message(None)
    session.set_experiment(None)  # the Train page's experiment would otherwise start its next run
    old = current()
    if old is not None and not old.phase.over:
        _carry_out(*old.handle(core.Event.CANCEL, time.monotonic()))
    sweep, order = core.new_sweep(core.SWEEPS[st.session_state[PICK]]).handle(core.Event.START, time.monotonic())
    _carry_out(sweep, order)


def press(event: core.Event) -> None:
    """Pause, Resume or Cancel (a callback)."""
    session.set_sweep_message(None)
    sweep = current()
    if sweep is None:
        session.set_sweep_message(("info", "No sweep yet: pick a setting and press Run."))
        return
    _carry_out(*sweep.handle(event, time.monotonic()))


def poll() -> None:
    """Feed the trainer's news to the sweep: a finished run is tagged in the runs folder and adds its point."""
    sweep, t = current(), session.trainer()
    if sweep is None or t is None:
        return
    sweep = sweep.adopt(t.snapshot.run_id)
    session.set_sweep(sweep)
    records = {r.run_id: r for r in t.records}
    event = core.news(sweep, t.snapshot.run_id, set(records))
    if event == core.Event.ENDED:
        record = records[sweep.current]
        value = getattr(record.settings, sweep.spec.key)  # as trained: "all" digits is the dataset's own count
        tag = SweepTag(sweep.sweep_id, sweep.spec.key, value, sweep.index, sweep.total)
        try:
            run_lists.saved_runs().tag_sweep(record.run_id, tag)
        except RunStoreError as exc:
            session.set_sweep_message(("warning", f"A run could not be marked as part of this sweep: {exc}"))
        now = time.monotonic()
        result = core.result_of(value, record.final(), now - (sweep.run_started or now), record.run_id, record.status)
        run_lists.session_runs()  # the Train page lists it too
        _carry_out(*sweep.handle(event, now, result))
    elif event == core.Event.LOST:
        _carry_out(*sweep.handle(event, time.monotonic()))


def chart(spec: core.SweepSpec, points: dict[str, list] | None = None, key: str = "sweep_chart",
          answer: bool = True) -> None:
    """The sweep's chart (empty before its first run ends: the axis shows what it will train) and what it answers."""
    points = points or {name: [] for name in ("value", "train", "val", "test")}
    planned, labels = spec.planned(len(training_dataset(spec.base.dataset)[0].y_train))
    st.plotly_chart(sweep_figure(points["value"], points["train"], points["val"], points["test"], planned,
                                 spec.label.lower(), spec.log, spec.question, labels), width="stretch", key=key)
    if answer:
        st.markdown(spec.answer)


def earlier() -> None:
    """This user's saved sweeps (their runs are under Runs & models): pick one to see its chart again."""
    shown = current()
    groups = core.earlier_sweeps(run_lists.saved_runs().sweeps(), shown.sweep_id if shown else None)
    if not groups:
        return
    with st.expander(f"Earlier sweeps ({len(groups)})", icon=":material/history:"):
        picked = st.selectbox("Sweep", list(groups), format_func=lambda key: core.saved_label(groups[key]),
                              key=EARLIER)
        runs = groups[picked]
        chart(core.SWEEPS[runs[0].sweep.setting], core.saved_points(runs), key="sweep_earlier_chart", answer=False)


def live(sweep: core.Sweep) -> None:
    """Progress, the trainer's status while a run trains, and the chart, polling while the sweep runs."""
    interval = core.poll_seconds(sweep)

    @st.fragment(run_every=interval)
    def sweep_live():
        with boundary("the sweep's progress"):
            poll()
            now_sweep = current()
            st.progress(len(now_sweep.results) / now_sweep.total, text=now_sweep.progress_text(time.monotonic()))
            t = session.trainer()
            if now_sweep.phase == core.Phase.RUNNING and t is not None and t.snapshot.run_id == now_sweep.current:
                snap = t.snapshot
                show("info", f"{snap.name}: {snap.status.value}, epoch {snap.epoch:.1f} of "
                     f"{snap.settings.epochs}. {snap.message}".strip(), ":material/model_training:")
            chart(now_sweep.spec, now_sweep.points())
        if core.poll_seconds(current()) != interval:
            st.rerun()  # the buttons and polling follow the new phase

    sweep_live()


def show_message() -> None:
    if message():
        show(*message())
