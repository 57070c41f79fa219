"""The sweeps table and the sweep state machine (nnviz.sweep), row by row, without Streamlit or a worker."""

import math
from dataclasses import replace

import pytest

from nnviz import settings
from nnviz import sweep as core
from nnviz.sweep import Do, Event, Phase

SPEC = core.SweepSpec("width", "t", (8, 16, 32), "q?", "a.", log=True)


def result(value, seconds=10.0, run_id="r"):
    return core.Result(value, 0.99, 0.9, 0.91, seconds, run_id)


def at(phase, results=0, current="run-a", spec=SPEC):
    """A sweep in `phase` with `results` finished runs and `current` the run under way ("" between runs)."""
    return replace(core.new_sweep(spec, "s1"), phase=phase, results=tuple(result(v) for v in spec.values[:results]),
                   current=current, run_started=100.0 if current else None)


def test_the_table_holds_the_issues_values_with_valid_settings_for_each():
    assert core.SWEEPS["width"].values == (8, 16, 32, 64, 128, 256, 512)
    assert core.SWEEPS["train_size"].values == (100, 300, 1_000, 3_000, core.ALL)
    assert core.SWEEPS["dropout"].values == (0.0, 0.2, 0.4, 0.6)
    assert core.SWEEPS["depth"].values == (1, 2, 3, 4)
    for spec in core.SWEEPS.values():
        runs = [spec.settings(v) for v in spec.values]
        assert [getattr(s, spec.key) for s in runs] == list(spec.values)
        changed = set().union(*(s.differences(runs[0]) for s in runs[1:]))
        assert changed <= {spec.key, "epochs", "width_2", "width_3", "width_4"} and spec.key in changed
        assert spec.question.endswith("?") and len(spec.answer) > 80
    assert [s.epochs for s in map(core.SWEEPS["train_size"].settings, core.SWEEPS["train_size"].values)] == [
        100, 30, 10, 5, 5]
    assert core.SWEEPS["depth"].settings(3).widths == (128, 64, 32)
    assert core.SWEEPS["train_size"].value_text(core.ALL) == "all"
    assert core.SWEEPS["train_size"].planned(8_000) == ([100, 300, 1_000, 3_000, 8_000],
                                                        ["100", "300", "1,000", "3,000", "all (8,000)"])
    assert core.SWEEPS["dropout"].planned(8_000) == ([0.0, 0.2, 0.4, 0.6], ["0", "0.2", "0.4", "0.6"])
    assert "training digits" not in core.SWEEPS["train_size"].fixed_text()
    assert "hidden layer" not in core.SWEEPS["depth"].fixed_text()


@pytest.mark.parametrize(("sweep", "event", "phase", "do", "current", "finished"), [
    # phase before, event → phase after, what the trainer does, the run under way after, finished runs after
    (at(Phase.READY, current=""), Event.START, Phase.RUNNING, Do.START_RUN, "", 0),
    (at(Phase.RUNNING), Event.START, Phase.RUNNING, Do.NOTHING, "run-a", 0),           # redundant: a message
    (at(Phase.RUNNING), Event.ENDED, Phase.RUNNING, Do.START_RUN, "", 1),              # the next run
    (at(Phase.RUNNING, results=2), Event.ENDED, Phase.DONE, Do.NOTHING, "", 3),        # the last run
    (at(Phase.RUNNING), Event.PAUSE, Phase.PAUSED, Do.PAUSE_RUN, "run-a", 0),
    (at(Phase.RUNNING, current=""), Event.PAUSE, Phase.PAUSED, Do.NOTHING, "", 0),     # between runs
    (at(Phase.PAUSED), Event.PAUSE, Phase.PAUSED, Do.NOTHING, "run-a", 0),             # redundant
    (at(Phase.PAUSED), Event.RESUME, Phase.RUNNING, Do.PLAY_RUN, "run-a", 0),          # the paused run trains on
    (at(Phase.PAUSED, results=1, current=""), Event.RESUME, Phase.RUNNING, Do.START_RUN, "", 1),
    (at(Phase.RUNNING), Event.RESUME, Phase.RUNNING, Do.NOTHING, "run-a", 0),          # redundant
    (at(Phase.PAUSED), Event.ENDED, Phase.PAUSED, Do.NOTHING, "", 1),                  # stopped elsewhere
    (at(Phase.PAUSED, results=2), Event.ENDED, Phase.DONE, Do.NOTHING, "", 3),
    (at(Phase.RUNNING, results=1), Event.CANCEL, Phase.CANCELLED, Do.STOP_RUN, "run-a", 1),  # keeps finished
    (at(Phase.PAUSED, results=1, current=""), Event.CANCEL, Phase.CANCELLED, Do.NOTHING, "", 1),
    (at(Phase.RUNNING), Event.LOST, Phase.PAUSED, Do.NOTHING, "", 0),                  # the Train page took over
    (at(Phase.PAUSED), Event.LOST, Phase.PAUSED, Do.NOTHING, "run-a", 0),
    (at(Phase.CANCELLED, results=1, current=""), Event.RESUME, Phase.CANCELLED, Do.NOTHING, "", 1),
    (at(Phase.DONE, results=3, current=""), Event.START, Phase.DONE, Do.NOTHING, "", 3),
])
def test_each_event_in_each_phase(sweep, event, phase, do, current, finished):
    after, order = sweep.handle(event, 200.0, result(sweep.value) if event == Event.ENDED else None)
    assert (after.phase, order.do, after.current, len(after.results)) == (phase, do, current, finished)
    if order.do == Do.NOTHING and after == sweep:
        assert order.message is not None or event == Event.LOST  # a click that does nothing is answered


def test_a_whole_sweep_trains_each_value_once_in_order_and_keeps_the_results():
    sweep, order = core.new_sweep(SPEC).handle(Event.START, 0.0)
    trained = []
    while order.do == Do.START_RUN:
        trained.append(sweep.run_settings().width)
        sweep = sweep.running(f"run-{sweep.index}")
        sweep, order = sweep.handle(Event.ENDED, 10.0 * (sweep.index + 1), result(sweep.value))
    assert trained == [8, 16, 32] and sweep.phase == Phase.DONE
    assert sweep.points()["value"] == [8, 16, 32] and sweep.points()["test"] == [0.91] * 3
    assert order.message[0] == "success" and "Runs & models" in order.message[1]


def test_cancelling_keeps_the_finished_runs_and_says_so():
    cancelled, order = at(Phase.RUNNING, results=2).handle(Event.CANCEL, 5.0)
    assert [r.value for r in cancelled.results] == [8, 16] and cancelled.phase.over
    assert "2 finished runs stay saved" in order.message[1]
    assert cancelled.progress_text(5.0) == "Cancelled after 2 finished runs of 3."


def test_the_estimate_uses_finished_runs_and_the_current_runs_time_so_far():
    sweep = at(Phase.RUNNING, results=1)  # one run took 10 s; two left, the current one started at 100
    assert sweep.eta_seconds(104.0) == pytest.approx(10.0 * 2 - 4.0)
    assert sweep.eta_seconds(150.0) == 0.0           # never negative
    assert at(Phase.RUNNING).eta_seconds(104.0) is None   # no finished run yet: no estimate
    text = sweep.progress_text(104.0)
    assert text.startswith("Run 2 of 3: hidden width 16. 1 run left after it") and "16 s to go" in text
    assert "estimating" in at(Phase.RUNNING).progress_text(104.0)
    assert "(paused)" in at(Phase.PAUSED, results=1).progress_text(104.0)
    assert core.eta_text(125) == "2 min 05 s"


@pytest.mark.parametrize(("sweep", "trainer_run", "ended", "expected"), [
    (at(Phase.RUNNING), "run-a", set(), None),
    (at(Phase.RUNNING), "run-a", {"run-a"}, Event.ENDED),
    (at(Phase.PAUSED), "run-a", {"run-a"}, Event.ENDED),
    (at(Phase.RUNNING), "run-b", set(), Event.LOST),         # another run took the trainer over
    (at(Phase.RUNNING), "run-b", {"run-a"}, Event.ENDED),    # … after the sweep's run had ended
    (at(Phase.RUNNING), "", set(), None),                    # a new run still being built
    (at(Phase.RUNNING, current=""), "run-b", set(), None),
    (at(Phase.CANCELLED), "run-b", {"run-a"}, None),
])
def test_news_from_the_trainer(sweep, trainer_run, ended, expected):
    assert core.news(sweep, trainer_run, ended) == expected


@pytest.mark.parametrize(("sweep", "trainer_run", "adopted"), [
    (at(Phase.RUNNING, results=1, current=""), "run-b", "run-b"),  # its new run, once the trainer has it
    (at(Phase.RUNNING, results=1, current=""), "r", ""),           # still the finished run's id
    (at(Phase.RUNNING, results=1, current=""), "", ""),            # still being built
    (at(Phase.RUNNING), "run-b", "run-a"),                         # it knows its run already
    (at(Phase.PAUSED, results=1, current=""), "run-b", ""),        # not running: nothing to adopt
])
def test_a_run_whose_id_came_late_is_adopted(sweep, trainer_run, adopted):
    assert sweep.adopt(trainer_run).current == adopted


def test_polls_only_while_running():
    assert core.poll_seconds(at(Phase.RUNNING)) == core.POLL_SECONDS
    assert [core.poll_seconds(at(p)) for p in (Phase.READY, Phase.PAUSED, Phase.DONE, Phase.CANCELLED)] == [None] * 4
    assert core.poll_seconds(None) is None


def test_a_result_from_a_runs_final_metrics_keeps_nan_where_it_never_got():
    r = core.result_of(64, {"train_accuracy": 0.9, "test_accuracy": 0.8}, 3.0, "x", "stopped")
    assert (r.train_accuracy, r.test_accuracy, r.status) == (0.9, 0.8, "stopped") and math.isnan(r.val_accuracy)


def test_every_sweep_value_is_a_valid_setting():
    for spec in core.SWEEPS.values():
        for value in spec.values:
            settings.SPEC[spec.key].check(value)


# ---- saved as a group: each run's record names its sweep (nnviz.run_record, nnviz.run_store) ----------------------

def test_a_sweep_tag_round_trips_and_records_without_one_stay_readable(tiny_run):
    from nnviz.run_record import RunRecord, SweepTag

    record, _ = tiny_run
    old = record.to_dict()
    assert "sweep" not in old and RunRecord.from_dict(old).sweep is None  # runs saved before sweeps
    tag = SweepTag("abc", "width", 16, 1, 7)
    again = RunRecord.from_dict(replace(record, sweep=tag).to_dict())
    assert again.sweep == tag
    with pytest.raises(ValueError, match="sweep"):
        RunRecord.from_dict({**old, "sweep": {"sweep_id": "abc", "setting": "width", "value": "16"}})


def test_tagging_a_saved_run_groups_it_with_its_sweep_and_leaves_other_runs_alone(tiny_run, tmp_path):
    from nnviz.access import User
    from nnviz.run_record import SweepTag
    from nnviz.run_store import RunStore, RunStoreError

    record, network = tiny_run
    store = RunStore(tmp_path)
    other = store.save(replace(record, run_id="not-in-sweep"), network)
    saved = [store.save(replace(record, run_id=f"trainer-{i}"), network) for i in range(2)]
    tags = [SweepTag("sw1", "width", 16 * (i + 1), i, 2) for i in range(2)]
    for i in reversed(range(2)):
        assert store.tag_sweep(f"trainer-{i}", tags[i]) == saved[i]
    assert [r.run_id for r in store.sweep("sw1")] == saved  # in the sweep's order
    assert [r.sweep for r in store.sweep("sw1")] == tags
    assert list(store.sweeps()) == ["sw1"] and store.sweeps()["sw1"] == store.sweep("sw1")
    assert store.get(other).sweep is None and store.sweep("other") == ()
    assert store.record(saved[1]).sweep == tags[1]               # the full record has it too
    assert not math.isnan(store.get(saved[0]).train_accuracy)
    with pytest.raises(RunStoreError):
        store.tag_sweep("no-such-run", tags[0])
    with pytest.raises(RunStoreError):  # only its owner's runs
        RunStore(tmp_path, User("bob@school.test", "Bob")).tag_sweep("trainer-0", tags[0])


def test_earlier_sweeps_leave_out_the_one_on_screen_and_settings_the_table_no_longer_has():
    from types import SimpleNamespace

    from nnviz.run_record import SweepTag

    def saved(sweep_id, setting, value, index):
        return SimpleNamespace(sweep=SweepTag(sweep_id, setting, value, index, 3), train_accuracy=0.9 + index / 100,
                               val_accuracy=0.8, test_accuracy=0.85, when="2026-12-02 02:10")
    groups = {"new": (saved("new", "width", 8, 0),),
              "old": (saved("old", "dropout", 0.0, 0), saved("old", "dropout", 0.2, 1)),
              "gone": (saved("gone", "activation", 1, 0),)}
    assert list(core.earlier_sweeps(groups, "new")) == ["old"]
    assert list(core.earlier_sweeps(groups, None)) == ["new", "old"]
    assert core.saved_points(groups["old"]) == {"value": [0.0, 0.2], "train": [0.9, 0.91], "val": [0.8, 0.8],
                                                "test": [0.85, 0.85]}
    assert core.saved_label(groups["old"]) == "Dropout rate · 2 of 3 runs · 2026-12-02 02:10"


@pytest.fixture(scope="module")
def tiny_run():
    """(record, network) of a real, finished one-epoch run."""
    from tests.test_run_store import finished_run

    return finished_run(settings.Settings(width=16, train_size=200, epochs=1))
