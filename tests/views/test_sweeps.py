"""The sweeps page under AppTest: a tiny sweep runs through the session's trainer, adds a point per run,
saves its runs as a group, and pauses, resumes and cancels (keeping finished runs)."""

import pytest
from streamlit.testing.v1 import AppTest

from nnviz import sweep as core
from nnviz.app import session, sweep_page
from nnviz.run_store import RunStore
from nnviz.settings import Settings
from tests.conftest import ROOT
from tests.support import charts, typed_arrays

TINY = core.SweepSpec("width", "Tiny width sweep", (8, 16, 32), "Why so few?", "Because it is a test. " * 5,
                      log=True, base=Settings(train_size=100, epochs=1, batch_size=50, dropout=0.0))


@pytest.fixture
def sweeps_page(monkeypatch):
    """An AppTest that opened the sweeps page, its width sweep made tiny (3 runs of 2 steps each)."""
    monkeypatch.setitem(core.SWEEPS, "width", TINY)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("views/sweeps.py")
    at.run()
    yield at
    if session.TRAINER in at.session_state:
        at.session_state[session.TRAINER].close()


def sweep_of(at) -> core.Sweep:
    return at.session_state[sweep_page.SWEEP]


def click(at, key):
    return at.button(key=key).click().run()


def finish_current_run(at) -> None:
    """Wait until the sweep's current run has ended, then rerun the page (its poll moves the sweep on)."""
    run_id = sweep_of(at).current
    at.session_state[session.TRAINER].wait_for(lambda s: s.ended and s.run_id == run_id, 120)
    at.run()
    assert not at.exception


def chart_points(at) -> dict[str, list]:
    chart = at.get("plotly_chart")[0]  # the sweep on screen (any earlier sweep's chart comes after it)
    return {t["name"]: typed_arrays.array(t.get("y", [])).tolist() for t in charts.figure(chart)["data"]}


def test_a_tiny_sweep_trains_each_value_adds_its_point_and_saves_the_runs_as_a_group(sweeps_page):
    at = sweeps_page
    assert not at.exception and at.radio(key=sweep_page.PICK).value == "width"
    assert chart_points(at)["training"] == []  # no sweep yet: an empty chart of what it will train
    assert charts.mentions(at.get("plotly_chart")[0], "Why so few?")
    click(at, "sweep_run")
    assert sweep_of(at).phase == core.Phase.RUNNING and sweep_of(at).current
    assert at.radio(key=sweep_page.PICK).disabled  # the setting is fixed while its sweep runs
    assert "Run 1 of 3: hidden width 8. 2 runs left after it" in at.get("progress")[0].proto.text
    finish_current_run(at)
    assert len(chart_points(at)["training"]) == 1  # the first point, while the second run trains
    assert "Run 2 of 3" in at.get("progress")[0].proto.text and "to go" in at.get("progress")[0].proto.text
    while sweep_of(at).phase == core.Phase.RUNNING:
        finish_current_run(at)
    done = sweep_of(at)
    assert done.phase == core.Phase.DONE and [r.value for r in done.results] == [8, 16, 32]
    points = chart_points(at)
    assert len(points["training"]) == len(points["validation"]) == len(points["test"]) == 3
    assert "All 3 runs finished." in at.get("progress")[0].proto.text
    assert charts.mentions(at.get("plotly_chart")[0], "Why so few?")
    saved = RunStore.from_env().sweep(done.sweep_id)
    assert [(r.sweep.value, r.settings.width, r.sweep.index) for r in saved] == [(8, 8, 0), (16, 16, 1), (32, 32, 2)]
    assert {r.run_id for r in at.session_state[session.RUNS]} >= {r.run_id for r in done.results}  # Train lists them
    assert not at.radio(key=sweep_page.PICK).disabled


def test_pause_and_resume_carry_the_sweep_on(sweeps_page):
    at = sweeps_page
    click(at, "sweep_run")
    finish_current_run(at)  # run 2 starts
    click(at, "sweep_pause")
    assert sweep_of(at).phase == core.Phase.PAUSED and "(paused)" in at.get("progress")[0].proto.text
    trainer = at.session_state[session.TRAINER]
    assert not trainer.snapshot.active or trainer.snapshot.ended  # paused (or had just ended)
    click(at, "sweep_pause")
    assert any("nothing to pause" in m.value for m in at.info)  # a redundant click is answered
    click(at, "sweep_resume")
    assert sweep_of(at).phase == core.Phase.RUNNING
    while sweep_of(at).phase == core.Phase.RUNNING:
        finish_current_run(at)
    assert sweep_of(at).phase == core.Phase.DONE and len(sweep_of(at).results) == 3


def test_cancelling_keeps_the_finished_runs(sweeps_page):
    at = sweeps_page
    click(at, "sweep_run")
    finish_current_run(at)
    click(at, "sweep_cancel")
    cancelled = sweep_of(at)
    assert cancelled.phase == core.Phase.CANCELLED and [r.value for r in cancelled.results] == [8]
    assert any("Sweep cancelled. Its 1 finished run stays saved." in m.value for m in at.success)
    assert not at.session_state[session.TRAINER].snapshot.active  # the run under way was stopped
    assert [r.sweep.value for r in RunStore.from_env().sweep(cancelled.sweep_id)] == [8]
    assert len(chart_points(at)["training"]) == 1 and "Cancelled after 1 finished run of 3." in at.get(
        "progress")[0].proto.text
    click(at, "sweep_run")  # a new sweep starts afresh
    assert sweep_of(at).sweep_id != cancelled.sweep_id and sweep_of(at).phase == core.Phase.RUNNING
    at.selectbox(key=sweep_page.EARLIER).set_value(cancelled.sweep_id).run()  # the cancelled one, saved
    assert not at.exception
    earlier = charts.figure(at.get("plotly_chart")[1])["data"]
    assert [typed_arrays.array(t["y"]).tolist() for t in earlier if t["name"] == "training"] == [
        [cancelled.results[0].train_accuracy]]
