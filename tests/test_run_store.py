"""Saved runs on disk, for real: a trained run is saved, listed, loaded bit for bit, renamed, deleted;
crashes mid-write (simulated and with kill -9) never corrupt earlier saves; TensorBoard can read the logs."""

import datetime as dt
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from nnviz import access, data, event_log, run_store, training
from nnviz.access import LOCAL, User
from nnviz.run_store import RunStore, RunStoreError
from nnviz.settings import Settings
from tests.conftest import ROOT

TINY = Settings(width=16, train_size=500, epochs=2, batch_size=32, seed=4)
ANN, BOB = User("ann@school.test", "Ann"), User("bob@school.test", "Bob")
TEACHER = User("teacher@school.test", "Ms Tee", teacher=True)


def finished_run(settings: Settings):
    """(record, network) of a real run trained until it finishes."""
    trainer = training.Trainer(data.load_sample(), settings, training.Pool(1))
    try:
        trainer.wait_for(lambda s: s.status == "ready", 60)
        trainer.play()
        snap = trainer.wait_for(lambda s: s.ended, 120)
        [record] = trainer.records
        return record, snap.network
    finally:
        trainer.close()


@pytest.fixture(scope="module")
def trained():
    """(record, network) of a real, finished two-epoch run."""
    return finished_run(TINY)


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs")


def arrays(net):
    return (net.w1, net.b1, net.w2, net.b2)


def tree(folder):
    """Every file under folder with its bytes: to prove that nothing else changed."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_save_list_and_load_round_trip_bit_for_bit(store, trained):
    record, net = trained
    run_id = store.save(record, net)
    assert run_store.ID.fullmatch(run_id)
    folder = store.root / run_id
    assert {p.name for p in folder.iterdir()} == {"model.keras", "run.json", "metrics.json", "train", "validation"}
    listing = store.list()
    assert listing.problems == () and [r.run_id for r in listing.runs] == [run_id]
    saved = listing.runs[0]
    assert (saved.name, saved.settings, saved.status) == ("Run 1", record.settings, "finished")
    assert saved.steps == record.steps
    assert saved.test_accuracy == record.evaluation.accuracy
    assert saved.val_accuracy == pytest.approx(record.final()["val_accuracy"])
    assert saved.epochs == 2 and saved.saved_at.tzinfo is not None

    again, loaded = store.load(run_id)
    for a, b in zip(arrays(net), arrays(loaded), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)  # the exact weights, bit for bit
    assert (loaded.activation, loaded.dropout) == (net.activation, pytest.approx(net.dropout))
    assert again.to_dict() == record.to_dict()  # curves, settings and every test prediction
    assert store.model_bytes(run_id) == (folder / "model.keras").read_bytes()


def test_every_save_gets_its_own_id_and_the_list_is_newest_first(store, trained):
    record, net = trained
    ids = [store.save(record, net) for _ in range(3)]
    assert len(set(ids)) == 3
    assert [r.run_id for r in store.list().runs] == ids[::-1]


def test_concurrent_saves_from_several_threads_all_land(store, trained):
    record, net = trained
    ids, errors = [], []

    def save():
        try:
            ids.append(store.save(record, net))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and len(set(ids)) == 4
    listing = store.list()
    assert sorted(r.run_id for r in listing.runs) == sorted(ids) and listing.problems == ()


def test_a_crash_while_saving_leaves_the_earlier_save_intact(store, trained, monkeypatch):
    record, net = trained
    first = store.save(record, net)
    before = tree(store.root)
    real_replace = os.replace

    def crash_on_the_final_rename(src, dst):
        if os.path.basename(str(src)).startswith(".saving-"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", crash_on_the_final_rename)
    with pytest.raises(RunStoreError, match="cannot be written to") as raised:
        store.save(record, net)
    assert isinstance(raised.value.__cause__, OSError)
    monkeypatch.undo()
    assert tree(store.root) == before  # the half-made run was cleaned up; the first is untouched
    listing = store.list()
    assert [r.run_id for r in listing.runs] == [first] and listing.problems == ()
    assert np.array_equal(store.load(first)[1].w1, net.w1)


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_crash_while_renaming_keeps_the_old_name(store, trained, monkeypatch, step):
    """The write dies after the new bytes were written (at fsync) or at the final rename."""
    record, net = trained
    run_id = store.save(record, net)
    store.rename(run_id, "Before")
    before = tree(store.root)
    monkeypatch.setattr(os, step, lambda *a: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    with pytest.raises(RunStoreError, match="cannot be written to") as raised:
        store.rename(run_id, "After")
    assert isinstance(raised.value.__cause__, OSError)
    monkeypatch.undo()
    assert tree(store.root) == before  # the temporary file is gone too
    assert store.get(run_id).name == "Before"


KILLER = """
import sys, time
from nnviz.run_store import RunStore
store, run_id, mode = RunStore(sys.argv[1]), sys.argv[2], sys.argv[3]
record, net = store.load(run_id) if mode == "save" else (None, None)
print("ready", flush=True)
for i in range(1_000_000):
    if mode == "save":
        store.save(record, net, name=f"copy {i}")
    else:
        store.rename(run_id, f"name {i} " + "x" * (i % 40))
"""


@pytest.mark.parametrize("mode", ["save", "rename"])
def test_killing_the_process_mid_write_never_corrupts_a_run(store, trained, mode, tmp_path):
    """kill -9 at an arbitrary moment of a save or rename loop: every run listed is whole and loads."""
    record, net = trained
    first = store.save(record, net)
    for _ in range(1 if mode == "save" else 5):  # a rename is quick: kill it several times
        proc = subprocess.Popen([sys.executable, "-c", KILLER, str(store.root), first, mode], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready"
            deadline = time.monotonic() + 60
            while mode == "save" and len(store.list().runs) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)  # until the loop has saved twice: then it is surely mid-save or about to be
            time.sleep(random.uniform(0.05, 0.3))
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(30)
        assert store.list().problems == ()
    listing = store.list()
    assert listing.problems == () and first in {r.run_id for r in listing.runs}
    if mode == "save":
        assert len(listing.runs) >= 3  # the loop really was saving when it was killed
        for run in listing.runs:
            assert np.array_equal(store.load(run.run_id)[1].w2, net.w2)
    else:
        assert store.get(first).name.startswith("name ")  # one complete name, never a torn file
        assert json.loads((store.root / first / "run.json").read_text())["record"]["status"] == "finished"


def test_unreadable_folders_are_skipped_and_reported(store, trained):
    record, net = trained
    good = store.save(record, net)
    corrupt = {}
    for problem in ("garbage json", "no run.json", "no model", "bad setting", "old format"):
        run_id = store.save(record, net)
        folder = store.root / run_id
        summary = json.loads((folder / "run.json").read_text())
        if problem == "garbage json":
            (folder / "run.json").write_bytes(b'{"format": 1, "na')
        elif problem == "no run.json":
            (folder / "run.json").unlink()
        elif problem == "no model":
            (folder / "model.keras").unlink()
        elif problem == "bad setting":
            summary["record"]["settings"]["width"] = 10**9
            (folder / "run.json").write_text(json.dumps(summary))
        else:
            summary["format"] = 99
            (folder / "run.json").write_text(json.dumps(summary))
        corrupt[run_id] = problem
        if problem in ("no run.json", "no model"):  # not a run another server is writing right now: it is old
            os.utime(folder, (time.time() - 2 * run_store.ARRIVING_SECONDS,) * 2)
    (store.root / "notes").mkdir()                 # not nnviz's: ignored
    (store.root / "README.txt").write_text("hi")
    (store.root / ".saving-20250101-000000-00000000").mkdir()  # a crashed save's leftovers: hidden
    listing = store.list()
    assert [r.run_id for r in listing.runs] == [good]
    assert len(listing.problems) == len(corrupt)
    for run_id in corrupt:
        [line] = [p for p in listing.problems if p.startswith(run_id)]
        assert len(line) > len(run_id) + 5  # says why
    assert any("width" in p for p in listing.problems) and any("missing" in p for p in listing.problems)


def test_a_missing_or_unusable_runs_folder_lists_nothing_without_crashing(tmp_path):
    assert RunStore(tmp_path / "not yet").list() == run_store.Listing((), ())
    (tmp_path / "a file").write_text("x")
    listing = RunStore(tmp_path / "a file").list()
    assert listing.runs == () and len(listing.problems) == 1


@pytest.mark.parametrize(("raw", "clean"), [
    ("  My   best\trun  ", "My best run"),
    ("null\x00byte\x1b[31m red", "null byte [31m red"),
    ("bidi \u202eevil\u202c zero\u200bwidth", "bidi evil zero width"),
    ("line\nbreak\r\nand\u2028more", "line break and more"),
    ("x" * 500, "x" * run_store.MAX_NAME),
    ("Dropout 0.5 (1,000 digits) — ünïcødé 数字", "Dropout 0.5 (1,000 digits) — ünïcødé 数字"),
])
def test_names_are_sanitised(raw, clean):
    assert run_store.clean_name(raw) == clean


@pytest.mark.parametrize("empty", ["", "   ", "\x00\x01", "\u200b\u200e"])
def test_an_empty_name_is_refused_and_the_old_one_kept(store, trained, empty):
    run_id = store.save(*trained)
    with pytest.raises(ValueError, match="visible character"):
        store.rename(run_id, empty)
    assert store.get(run_id).name == "Run 1"


def test_path_tricks_in_names_and_ids_touch_nothing_outside_the_run(store, trained, tmp_path):
    run_id = store.save(*trained)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep me")
    before = tree(tmp_path)
    store.rename(run_id, "../../victim/precious.txt")
    after = tree(tmp_path)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert changed == {(store.root / run_id / "run.json").relative_to(tmp_path)}  # only the run's own run.json
    assert store.get(run_id).name == "../../victim/precious.txt"  # just text
    for bad in ("../victim", str(victim), f"{run_id}/../../victim", "", "20250101-000000-0000000g", None):
        for action in (store.delete, store.load, store.get, store.model_bytes, lambda i: store.rename(i, "x")):
            with pytest.raises(RunStoreError):
                action(bad)
    assert (victim / "precious.txt").read_text() == "keep me" and store.get(run_id)


def test_delete_removes_the_whole_run_once(store, trained):
    keep, doomed = store.save(*trained), store.save(*trained)
    store.delete(doomed)
    assert [r.run_id for r in store.list().runs] == [keep]
    assert sorted(p.name for p in store.root.iterdir()) == [keep]  # no hidden leftovers either
    with pytest.raises(RunStoreError, match="no longer exists"):
        store.delete(doomed)
    with pytest.raises(RunStoreError, match="no longer exists"):
        store.rename(doomed, "x")


def test_the_runs_folder_comes_from_the_environment(tmp_path):
    assert RunStore.from_env({}).root.as_posix() == "runs"
    assert RunStore.from_env({"NNVIZ_RUNS_DIR": str(tmp_path)}).root == tmp_path


def read_events(path):
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    events = [event_pb2.Event.FromString(r.numpy()) for r in tf.data.TFRecordDataset(str(path))]
    scalars = {}
    for e in events[1:]:
        for v in e.summary.value:
            scalars.setdefault(v.tag, []).append((e.step, v.simple_value, e.wall_time))
    return events[0], scalars


def test_tensorboard_event_files_hold_every_curve(store, trained):
    record, net = trained
    folder = store.root / store.save(record, net)
    h = record.history
    for split, tags in event_log.curves(h).items():
        [path] = (folder / split).glob("events.out.tfevents.*")
        header, scalars = read_events(path)
        assert header.file_version == "brain.Event:2"
        assert set(scalars) == {"loss", "accuracy", "epoch_loss", "epoch_accuracy"}
        for tag, (steps, values) in tags.items():
            got = scalars[tag]
            assert [s for s, _, _ in got] == steps.tolist()
            np.testing.assert_array_equal(np.array([v for _, v, _ in got], np.float32), values)  # float32 exact
            times = [t for _, _, t in got]
            assert times == sorted(times)
    assert len(scalars["loss"]) == len(h.val_step) > 0  # validation: several checks per epoch
    assert len(read_events(next((folder / "train").glob("events*")))[1]["loss"]) == record.steps == 32


def test_tensorboard_itself_reads_the_runs(store, trained):
    """With the tensorboard package installed (not an nnviz requirement), its own reader sees the scalars."""
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    record, net = trained
    folder = store.root / store.save(record, net)
    reader = accumulator.EventAccumulator(str(folder / "validation"), size_guidance={accumulator.SCALARS: 0})
    reader.Reload()
    assert set(reader.Tags()["scalars"]) == {"loss", "accuracy", "epoch_loss", "epoch_accuracy"}
    assert reader.Scalars("epoch_accuracy")[-1].value == pytest.approx(record.final()["val_accuracy"])


def test_the_trainer_saves_every_run_that_ends(tmp_path):
    store = RunStore(tmp_path / "runs", ANN)  # a signed-in user's store, sent to the worker that saves
    trainer = training.Trainer(data.load_sample(), TINY.replace(epochs=0), training.Pool(1), store=store)
    try:
        trainer.wait_for(lambda s: s.status == "ready", 60)
        trainer.play()
        trainer.wait_for(lambda s: s.step >= 10, 60)
        stopped = trainer.stop()
        trainer.reset(TINY.replace(epochs=1, width=8))
        trainer.play()
        finished = trainer.wait_for(lambda s: s.ended, 60)
    finally:
        trainer.close()
    assert (stopped.status, finished.status) == ("stopped", "finished")
    runs = store.list().runs
    assert [(r.name, r.status, r.settings.width) for r in runs] == [("Run 2", "finished", 8), ("Run 1", "stopped", 16)]
    assert {(r.owner, r.owner_name, r.shared) for r in runs} == {(ANN.key, "Ann", False)}
    assert RunStore(store.root, BOB).list().runs == ()
    for run, snap in zip(runs, (finished, stopped), strict=True):
        assert np.array_equal(store.load(run.run_id)[1].w1, snap.network.w1)  # the weights it ended with


def test_a_failing_save_is_reported_and_the_run_still_ends(tmp_path):
    (tmp_path / "runs").write_text("a file where the runs folder should be")
    trainer = training.Trainer(data.load_sample(), TINY.replace(epochs=1), training.Pool(1),
                               store=RunStore(tmp_path / "runs"))
    try:
        trainer.wait_for(lambda s: s.status == "ready", 60)
        trainer.play()
        snap = trainer.wait_for(lambda s: s.ended, 60)
    finally:
        trainer.close()
    assert snap.status == "finished" and "could not be saved" in snap.message and "/" not in snap.message
    assert len(trainer.records) == 1 and snap.evaluation is not None


# ---- a runs folder shared by several servers, or one the server cannot write (issue 13, issue 16 part 4) ------

def test_a_run_deleted_between_listing_and_reading_is_left_out_silently(store, trained, monkeypatch):
    keep, doomed = store.save(*trained), store.save(*trained)
    other_server = RunStore(store.root)
    real_summary = RunStore._summary

    def deleted_meanwhile(self, folder):
        if folder.name == doomed:  # another server deletes it after this one listed the folder
            other_server.delete(doomed)
        return real_summary(self, folder)
    monkeypatch.setattr(RunStore, "_summary", deleted_meanwhile)
    listing = store.list()
    assert [r.run_id for r in listing.runs] == [keep] and listing.problems == ()


@pytest.mark.parametrize("missing", ["run.json", "model.keras"])
def test_a_run_still_appearing_is_left_out_silently_until_it_is_old(store, trained, missing):
    """A run folder that shows up before all its files (a network folder, another server's copy) is not
    reported while it is young; left like that, it is."""
    keep = store.save(*trained)
    arriving = store.save(*trained)
    (store.root / arriving / missing).unlink()
    listing = store.list()
    assert [r.run_id for r in listing.runs] == [keep] and listing.problems == ()
    os.utime(store.root / arriving, (time.time() - 2 * run_store.ARRIVING_SECONDS,) * 2)
    [problem] = store.list().problems
    assert problem.startswith(arriving) and "missing" in problem


def test_listing_while_other_servers_add_and_delete_runs_never_reports_a_problem(store, trained):
    """One thread plays other servers, adding runs whole (renamed into place) and deleting them, while this
    one lists: every listing shows whole runs only, and no problems."""
    keep = store.save(*trained)
    template = store.root / keep
    other_server, done, seen = RunStore(store.root), threading.Event(), set()

    def add_and_delete():
        try:
            for _ in range(150):
                run_id = run_store.new_id()
                staging = store.root / f".saving-{run_id}"
                shutil.copytree(template, staging)
                os.replace(staging, store.root / run_id)
                other_server.delete(run_id)
        finally:
            done.set()
    writer = threading.Thread(target=add_and_delete)
    writer.start()
    listings = 0
    while not done.is_set() or listings == 0:
        listing = store.list()
        assert listing.problems == () and keep in {r.run_id for r in listing.runs}
        seen.update(r.run_id for r in listing.runs)
        listings += 1
    writer.join(60)
    assert [r.run_id for r in store.list().runs] == [keep]


def refuse_writes(monkeypatch, root) -> list[str]:
    """Make every write under root fail as on a read-only disk (we run as root, so chmod cannot); reads and
    everything outside root work as before. Returns the paths refused."""
    root, refused = os.path.abspath(root), []

    def under_root(path) -> bool:
        return os.path.abspath(os.fspath(path)).startswith(root + os.sep) or os.path.abspath(os.fspath(path)) == root

    def guard(real, writes=lambda *a, **k: True):
        def checked(path, *args, **kwargs):
            if under_root(path) and writes(path, *args, **kwargs):
                refused.append(os.fspath(path))
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path, *args, **kwargs)
        return checked
    creating = os.O_WRONLY | os.O_RDWR | os.O_CREAT
    monkeypatch.setattr(os, "open", guard(os.open, lambda path, flags, *a, **k: flags & creating))
    monkeypatch.setattr(os, "replace", guard(os.replace))
    monkeypatch.setattr(os, "rename", guard(os.rename))
    monkeypatch.setattr(os, "mkdir", guard(os.mkdir, lambda path, *a, **k: not os.path.exists(path)))
    return refused


def test_a_runs_folder_that_cannot_be_written_gives_a_plain_message_and_logs_the_path(store, trained, monkeypatch,
                                                                                      caplog):
    record, net = trained
    run_id = store.save(record, net)
    store.rename(run_id, "Kept")
    before = tree(store.root)
    refused = refuse_writes(monkeypatch, store.root)
    for action in (lambda: store.rename(run_id, "New name"), lambda: store.delete(run_id),
                   lambda: store.save(record, net)):
        caplog.clear()
        with pytest.raises(RunStoreError) as raised:
            action()
        assert str(raised.value) == run_store.NOT_WRITABLE and str(store.root) not in str(raised.value)
        [logged] = [r for r in caplog.records if r.name == "nnviz.runs"]
        assert str(store.root) in logged.getMessage() + str(logged.exc_info[1])  # details for the server's log
    assert refused and tree(store.root) == before
    monkeypatch.undo()
    assert store.get(run_id).name == "Kept" and store.list().problems == ()


def test_an_unreadable_runs_folder_is_reported_without_its_path(tmp_path, caplog):
    (tmp_path / "a file").write_text("x")
    [problem] = RunStore(tmp_path / "a file").list().problems
    assert "cannot be read" in problem and str(tmp_path) not in problem
    assert any(str(tmp_path) in r.getMessage() for r in caplog.records)


def test_renaming_or_deleting_a_run_another_server_deleted_says_so(store, trained, monkeypatch):
    run_id = store.save(*trained)
    real_summary = RunStore._summary

    def deleted_after_reading(self, folder):
        summary = real_summary(self, folder)
        RunStore(store.root).delete(run_id)
        return summary
    monkeypatch.setattr(RunStore, "_summary", deleted_after_reading)
    with pytest.raises(RunStoreError, match="no longer exists"):
        store.rename(run_id, "Too late")
    monkeypatch.undo()
    with pytest.raises(RunStoreError, match="no longer exists"):
        store.delete(run_id)
    assert store.list() == run_store.Listing((), ())


# ---- what the Runs page shows about runs -----------------------------------------------------------------

def saved_run(run_id, name="Run 1", minute=0, epochs=1.0, steps=32):
    return run_store.SavedRun(run_id, name, dt.datetime(2025, 11, 21, 19, minute, tzinfo=dt.UTC), TINY,
                              "MNIST sample", 500, "stopped", steps, epochs, 3.0, math.nan, 0.9)


def test_picker_labels_differ_for_runs_that_share_a_name_and_a_minute():
    runs = [saved_run("20251121-190000-3f9a0c1e"), saved_run("20251121-190001-7b2d44aa"),
            saved_run("20251121-190002-3f9a9999"), saved_run("20251121-190003-00000000", "Other")]
    labels = run_store.picker_labels(runs)
    assert len(set(labels.values())) == 4
    assert labels["20251121-190003-00000000"] == f"Other · {runs[3].when[5:]}"  # unique already: left short
    # "3f9a" starts two ids, so 4 digits of the id would not do: the runs sharing a label get 8.
    assert labels["20251121-190001-7b2d44aa"] == f"Run 1 · {runs[1].when[5:]} · #7b2d44aa"
    assert labels["20251121-190000-3f9a0c1e"].endswith(" · #3f9a0c1e")
    assert run_store.picker_labels(runs[1:])["20251121-190001-7b2d44aa"].endswith(" · #7b2d")  # else 4 do
    assert run_store.picker_labels([]) == {}


def test_overlay_labels_are_the_names_unless_two_overlaid_runs_share_one():
    runs = [saved_run("20251121-190000-3f9a0c1e", "dropout 0"), saved_run("20251121-190100-7b2d44aa", "Run 1", 1),
            saved_run("20251121-190200-00000000", "Run 1", 2)]
    labels = run_store.overlay_labels(runs)
    assert labels["20251121-190000-3f9a0c1e"] == "dropout 0"  # no date: it widened a phone's chart
    assert labels["20251121-190100-7b2d44aa"] == f"Run 1 · {runs[1].when[5:]}"  # shared: told apart
    assert len(set(labels.values())) == 3
    assert run_store.overlay_labels(runs[:2]) == {"20251121-190000-3f9a0c1e": "dropout 0",
                                                  "20251121-190100-7b2d44aa": "Run 1"}


def test_picker_labels_are_distinct_whatever_the_names():
    """Even names made to look like another run's label with its id cannot make two labels equal."""
    a, b = "20251121-190000-3f9a0c1e", "20251121-190000-3f9a0c1f"
    when = saved_run(a).when[5:]
    tricky = [saved_run(a), saved_run(b), saved_run("20251121-190000-11111111", f"Run 1 · {when} · #3f9a0c1e"),
              saved_run("20251121-190000-22222222", f"Run 1 · {when} · #3f9a0c1e")]
    assert len(set(run_store.picker_labels(tricky).values())) == 4


def test_the_default_overlay_is_the_two_newest_runs_that_trained_a_full_epoch():
    runs = [saved_run("20251121-190300-00000003", epochs=1 / 32, steps=1), saved_run("20251121-190200-00000002"),
            saved_run("20251121-190100-00000001", epochs=2.5), saved_run("20251121-190000-00000000", epochs=3)]
    assert run_store.default_overlay(runs) == ["20251121-190200-00000002", "20251121-190100-00000001"]
    assert run_store.default_overlay(runs[:1]) == ["20251121-190300-00000003"]  # nothing better: the newest
    assert run_store.default_overlay([]) == []


@pytest.mark.parametrize(("steps", "text"), [(1, "Stopped after 1 step ("), (2, "Stopped after 2 steps ("),
                                             (1000, "Stopped after 1,000 steps (")])
def test_a_run_is_described_in_plain_words(steps, text):
    assert saved_run("20251121-190000-00000000", steps=steps).description.startswith(text)


def test_the_tensorboard_hint_never_names_a_server_path(tmp_path):
    assert run_store.logdir_hint({}) == "runs"
    assert run_store.logdir_hint({"NNVIZ_RUNS_DIR": str(tmp_path)}) == '"$NNVIZ_RUNS_DIR"'


# ---- private runs: owners, the class gallery, teachers (issue 16 part 3) ----------------------------------

class Run:
    def __init__(self, owner, shared=False):
        self.owner, self.shared = owner, shared


@pytest.mark.parametrize(("user", "run", "allowed"), [
    (LOCAL, Run(None), set(access.ACTIONS)),              # no login: today's one user does everything
    (LOCAL, Run(ANN.key), set(access.ACTIONS)),
    (ANN, Run(ANN.key), set(access.ACTIONS)),              # an owner does everything to their run
    (ANN, Run(BOB.key), set()),                            # another's private run: nothing, not even seeing it
    (ANN, Run(BOB.key, shared=True), {access.VIEW}),       # the class gallery: view, overlay, load only
    (ANN, Run(None), set()),                               # runs saved before login: not a student's
    (TEACHER, Run(BOB.key), {access.VIEW}),                # teachers see every run but change only their own
    (TEACHER, Run(None), {access.VIEW}),
    (TEACHER, Run(TEACHER.key), set(access.ACTIONS)),
    (User("ANN@school.test"), Run(ANN.key), set()),        # keys are compared exactly (signed_in lower-cases)
])
def test_who_may_do_what_to_a_run(user, run, allowed):
    assert {a for a in access.ACTIONS if access.may(user, a, run)} == allowed


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError):
        access.may(ANN, "chmod", Run(ANN.key))


def test_a_sign_in_becomes_a_user_keyed_by_email_and_teachers_come_from_the_list():
    teachers = [" Teacher@School.test "]
    assert access.signed_in({"email": "Ann@School.test", "name": "Ann", "sub": "1"}, teachers) == ANN
    assert access.signed_in({"email": "teacher@school.test", "sub": "2"}, teachers).teacher
    no_email = access.signed_in({"sub": "ann@school.test", "provider": "default"}, teachers)
    assert no_email.key != ANN.key and not no_email.teacher  # a subject id can never pass for an email
    with pytest.raises(ValueError):
        access.signed_in({"name": "Nobody"})


@pytest.fixture
def class_runs(tmp_path, trained):
    """A runs folder with Ann's private and shared runs, Bob's private run, and one saved without login."""
    root = tmp_path / "runs"
    ann, bob = RunStore(root, ANN), RunStore(root, BOB)
    ids = {"ann": ann.save(*trained), "ann_shared": ann.save(*trained, name="Ann's best"),
           "bob": bob.save(*trained), "old": RunStore(root).save(*trained, name="Before login")}
    ann.share(ids["ann_shared"], True)
    return root, ids


def test_each_user_lists_their_own_runs_and_the_shared_ones_and_teachers_all(class_runs):
    root, ids = class_runs

    def listed(user):
        return {r.run_id for r in RunStore(root, user).list().runs}
    assert listed(ANN) == {ids["ann"], ids["ann_shared"]}
    assert listed(BOB) == {ids["bob"], ids["ann_shared"]}
    assert listed(TEACHER) == set(ids.values()) == listed(LOCAL)
    shared = RunStore(root, BOB).get(ids["ann_shared"])
    assert (shared.owner, shared.owner_name, shared.shared) == (ANN.key, "Ann", True)
    old = RunStore(root).get(ids["old"])
    assert (old.owner, old.owner_name, old.shared) == (None, "", False)


def test_nobody_renames_deletes_or_shares_another_users_run_whatever_they_ask(class_runs):
    root, ids = class_runs
    before = tree(root)
    bob, teacher = RunStore(root, BOB), RunStore(root, TEACHER)
    for store, run_id, message in [(bob, ids["ann_shared"], run_store.NOT_YOURS),  # seen, not changed
                                   (bob, ids["ann"], run_store.NO_RUN),            # not even seen
                                   (bob, ids["old"], run_store.NO_RUN),
                                   (teacher, ids["ann"], run_store.NOT_YOURS)]:
        for method, args in ((store.rename, ("Mine now",)), (store.delete, ()), (store.share, (True,))):
            with pytest.raises(RunStoreError) as refused:
                method(run_id, *args)
            assert str(refused.value) == message
    for read in (bob.get, bob.record, bob.model_bytes, bob.load):
        with pytest.raises(RunStoreError, match="no saved run"):
            read(ids["ann"])  # a private run cannot be read by id either
    assert tree(root) == before
    assert bob.load(ids["ann_shared"])[1].w1.shape == (784, 16)  # the gallery's runs load


def test_owners_rename_share_unshare_and_delete_their_own_runs(class_runs):
    root, ids = class_runs
    ann = RunStore(root, ANN)
    assert ann.rename(ids["ann"], "Renamed").name == "Renamed"
    assert ann.share(ids["ann"], True).shared and ids["ann"] in {r.run_id for r in RunStore(root, BOB).list().runs}
    assert not ann.share(ids["ann"], False).shared
    assert ids["ann"] not in {r.run_id for r in RunStore(root, BOB).list().runs}
    ann.delete(ids["ann"])
    assert {r.run_id for r in RunStore(root).list().runs} == {ids["ann_shared"], ids["bob"], ids["old"]}


def test_default_names_are_unique_per_user(tmp_path, trained):
    ann, bob = RunStore(tmp_path / "runs", ANN), RunStore(tmp_path / "runs", BOB)
    assert trained[0].name == "Run 1"  # every session's first run
    saved = [ann.save(*trained), ann.save(*trained), bob.save(*trained), ann.save(*trained)]
    assert [RunStore(tmp_path / "runs").get(i).name for i in saved] == ["Run 1", "Run 2", "Run 1", "Run 3"]
    assert (ann.next_number(), bob.next_number(), RunStore(tmp_path / "runs").next_number()) == (4, 2, 1)
    ann.rename(saved[1], "Kept")
    assert ann.get(ann.save(*trained)).name == "Run 4"  # after the highest "Run N", never a taken name
    assert ann.get(ann.save(*trained, name="Run 1")).name == "Run 1"  # a name asked for is kept as asked


def test_a_listing_for_a_student_names_no_other_users_unreadable_folders(class_runs):
    root, ids = class_runs
    (root / ids["bob"] / "run.json").write_text("{not json")
    assert RunStore(root, ANN).list().problems == ()
    assert [p.split(":")[0] for p in RunStore(root, TEACHER).list().problems] == [ids["bob"]]


def test_a_scoped_store_travels_to_a_worker_process_whole(tmp_path):
    import pickle

    store = pickle.loads(pickle.dumps(RunStore(tmp_path, TEACHER)))
    assert (store.root, store.user) == (tmp_path, TEACHER)


@pytest.fixture(scope="module")
def deep_trained():
    """(record, network) of a real, finished one-epoch run of three tanh hidden layers."""
    return finished_run(TINY.replace(widths=(24, 12, 8), epochs=1, activation="tanh"))


def test_a_deep_run_keeps_its_widths_when_saved_listed_and_loaded(store, deep_trained):
    record, net = deep_trained
    assert net.widths == (24, 12, 8) and record.label.startswith("Run 1: widths 24-12-8, dropout 0.2, tanh")
    run_id = store.save(record, net)
    [saved] = store.list().runs
    assert saved.settings.widths == (24, 12, 8) and "widths 24-12-8" in saved.description
    again, loaded = store.load(run_id)
    assert again.settings == record.settings and (loaded.widths, loaded.activation) == ((24, 12, 8), "tanh")
    for a, b in zip(net.arrays(), loaded.arrays(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_a_run_saved_before_networks_had_depth_reads_as_one_hidden_layer(store, trained):
    record, net = trained
    run_id = store.save(record, net)
    path = store.root / run_id / "run.json"
    summary = json.loads(path.read_text())
    for name in ("depth", "width_2", "width_3", "width_4"):
        del summary["record"]["settings"][name]
    path.write_text(json.dumps(summary))
    listing = store.list()
    assert listing.problems == () and listing.runs[0].settings == record.settings
    assert listing.runs[0].settings.widths == (16,)
