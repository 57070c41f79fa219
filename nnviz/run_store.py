"""Saved runs on disk: one folder per run with its .keras model, its settings and curves as JSON, and
TensorBoard event logs. Every write is atomic, so a crash never leaves a half-written run or name.

Layout (root: env NNVIZ_RUNS_DIR, default ./runs):

    <root>/<run id>/model.keras         the weights (Keras format; loaded back with safe_mode on)
    <root>/<run id>/run.json            display name, date, settings, final metrics: all the list needs
    <root>/<run id>/metrics.json        the full curves and the test predictions (read only on demand)
    <root>/<run id>/train/, validation/ TensorBoard event files

Run ids are generated here (UTC time + random hex) and checked against ID before any path is built:
no path ever comes from user input. A run is staged in a hidden folder and renamed into place in one
step; a rename rewrites run.json through a temporary file and os.replace. Hidden folders (staging,
deleting) are never listed. Listing reads only the small run.json files and never imports TensorFlow.

A RunStore acts for one user (nnviz/access.py): it records them as the owner of the runs it saves, lists
and reads only the runs they may view, and refuses to rename, delete or share a run that is not theirs,
whatever a page asks. Default names ("Run 1") are kept unique among each owner's runs.

Several app servers may share one runs folder: every write is atomic, and listing skips a run that
another server is adding or deleting at that moment instead of reporting it as broken. Errors meant
for users never name a server path; the path and the system's error go to the log.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import json
import logging
import math
import os
import re
import shutil
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nnviz import access, event_log
from nnviz.access import LOCAL, User
from nnviz.network import Network
from nnviz.run_record import ENDED, RunRecord, SweepTag
from nnviz.settings import Settings
from nnviz.text import count

ENV = "NNVIZ_RUNS_DIR"
DEFAULT_ROOT = "runs"
FORMAT = 1                                   # run.json's format version
ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{8}")  # e.g. 20251121-194603-3f9a0c1e
MAX_NAME = 60                                # characters in a display name
STALE_SECONDS = 3600                         # leftovers of a crashed save or delete older than this are swept
ARRIVING_SECONDS = 60                        # a run folder this young with files missing is still being written
MODEL, RUN, METRICS = "model.keras", "run.json", "metrics.json"
NOT_WRITABLE = "The runs folder cannot be written to; ask whoever runs this server."
GONE = "That run no longer exists: it may have been deleted in another tab."
NO_RUN = "There is no saved run with that id."
NOT_YOURS = "Only the person who saved this run can rename, delete or share it."
DEFAULT_NAME = re.compile(r"Run (\d{1,9})")   # the names trainers give runs: "Run 1", "Run 2"…
LOG = logging.getLogger("nnviz.runs")


class RunStoreError(Exception):
    """A saved run that cannot be used as asked; the message is meant for the user (never a path)."""


class _Missing(RunStoreError):
    """A run's folder or one of its files is not there: maybe it is being added or deleted right now."""


@dataclass(frozen=True)
class SavedRun:
    """What the runs list shows about one saved run (from its run.json alone)."""

    run_id: str
    name: str
    saved_at: dt.datetime        # timezone-aware
    settings: Settings
    dataset: str
    train_size: int
    status: str
    steps: int
    epochs: float
    seconds: float
    val_accuracy: float          # NaN when the run ended before a full epoch
    test_accuracy: float
    owner: str | None = None     # the owner's key (access.User.key); None: saved without login
    owner_name: str = ""         # how the owner is shown to others
    shared: bool = False         # in the class gallery: everyone may view, overlay, load and download it
    train_accuracy: float = math.nan   # the last epoch's (NaN when the run ended before a full epoch)
    sweep: SweepTag | None = None      # the sweep it was trained in, if any

    @property
    def when(self) -> str:
        """The save time in the server's time zone, minute precision."""
        return self.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")

    @property
    def full_epoch(self) -> bool:
        """Whether the run trained at least one full epoch (only then has it a validation accuracy)."""
        return self.epochs >= 1

    @property
    def description(self) -> str:
        """One sentence: how the run ended, and how it was set up."""
        return (f"{self.status.capitalize()} after {count(self.steps, 'step')} ({self.seconds:,.0f} s of "
                f"training): {self.settings.describe()}, seed {self.settings.seed}.")


@dataclass(frozen=True)
class Listing:
    runs: tuple[SavedRun, ...]   # newest first
    problems: tuple[str, ...]    # one line per folder that looks like a run but cannot be read


def clean_name(text: str) -> str:
    """A display name as stored: control and invisible formatting characters (including bidi
    overrides) removed, whitespace collapsed, at most MAX_NAME characters. ValueError if nothing is left."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in text)
    text = " ".join(text.split())[:MAX_NAME].strip()
    if not text:
        raise ValueError("A run's name needs at least one visible character.")
    return text


def owner_label(run: SavedRun, user: User) -> str:
    """Whose run it is, as the user reads it: "you", or the name its owner signed in with."""
    if run.owner == user.key:
        return "you"
    return run.owner_name or ("saved before sign-in" if run.owner is None else "someone")


def picker_labels(runs: Sequence[SavedRun]) -> dict[str, str]:
    """Run id → a short label for pickers and legends ("Run 1 · 11-21 19:46"), different for every run.

    Two runs can share a name and a minute (every session's first run is "Run 1"), and a picker that
    shows one label for both cannot tell them apart: such runs get part of their random id added.
    """
    base = {r.run_id: f"{r.name} · {r.when[5:]}" for r in runs}
    shared = {label for label, n in collections.Counter(base.values()).items() if n > 1}
    for digits in (4, 8):
        labels = {i: f"{label} · #{i.rsplit('-', 1)[1][:digits]}" if label in shared else label
                  for i, label in base.items()}
        if len(set(labels.values())) == len(labels):
            return labels
    # Ids are distinct and all equally long, so labels that end in their whole id are distinct too.
    return {i: f"{label} · #{i}" for i, label in base.items()}


def overlay_labels(runs: Sequence[SavedRun]) -> dict[str, str]:
    """Run id → its name on a chart that overlays these runs: the name alone, unless another of them shares
    it (then its picker label). Names with dates widened a phone's chart to fit them beside the curves."""
    counts = collections.Counter(r.name for r in runs)
    full = picker_labels(runs)
    return {r.run_id: r.name if counts[r.name] == 1 else full[r.run_id] for r in runs}


def default_overlay(runs: Sequence[SavedRun], n: int = 2) -> list[str]:
    """The ids to overlay before anyone chooses: the n newest runs that trained at least a full epoch (a run
    stopped after a few steps has barely a curve), or, if none did, the newest run."""
    full = [r.run_id for r in runs if r.full_epoch]
    return full[:n] or [r.run_id for r in runs[:1]]


def logdir_hint(environ: Mapping[str, str] = os.environ) -> str:
    """What to pass to `tensorboard --logdir`, without naming a server path to users."""
    return f'"${ENV}"' if environ.get(ENV) else DEFAULT_ROOT


def new_id(now: float | None = None) -> str:
    """A fresh run id: sortable by time, unique thanks to 32 random bits (never from user input)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def write_atomic(path: Path, data: bytes) -> None:
    """Replace path's contents all at once: a temporary file in the same folder, fsync, os.replace.
    Readers see the old file or the new one, never a mix, even if the process dies half-way."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(fd, 0o644)  # mkstemp makes files private; saved runs are as readable as the model file
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename inside folder durable (POSIX needs the directory itself synced)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _writing(what: str, run_id: str = "") -> Iterator[None]:
    """Turn a failed write (read-only or full disk, missing permission) into a message for users; the
    path and the system's error go to the log for whoever runs the server."""
    try:
        yield
    except OSError as exc:
        LOG.error("could not %s %s in the runs folder: %s", what, run_id or "a run", exc, exc_info=True)
        raise RunStoreError(NOT_WRITABLE) from exc


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


class RunStore:
    """The runs folder. Stateless apart from its path, so any number of sessions and trainer threads
    may use their own RunStore on the same folder at once."""

    def __init__(self, root: str | os.PathLike, user: User = LOCAL):
        self.root, self.user = Path(root), user

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, user: User = LOCAL) -> RunStore:
        return cls(environ.get(ENV) or DEFAULT_ROOT, user)

    def _folder(self, run_id: str) -> Path:
        if not isinstance(run_id, str) or not ID.fullmatch(run_id):
            raise RunStoreError(NO_RUN)
        return self.root / run_id

    def _allowed(self, action: str, run: SavedRun) -> None:
        """RunStoreError unless this store's user may do action to run. A run they may not even view is
        reported as missing, so that nobody learns which ids other users' private runs have."""
        if not access.may(self.user, action, run):
            raise RunStoreError(NOT_YOURS if access.may(self.user, access.VIEW, run) else NO_RUN)

    def may(self, action: str, run: SavedRun) -> bool:
        """Whether this store's user may do action (access.ACTIONS) to run: for pages, to offer only that."""
        return access.may(self.user, action, run)

    def default_name(self, name: str) -> str:
        """A trainer's default name ("Run 1"), or the next free "Run N" if the owner already has a run of
        that name: every session numbers its runs from 1, but one user's saved runs never share one."""
        if not DEFAULT_NAME.fullmatch(name) or name not in self._own_names():
            return name
        return f"Run {self.next_number()}"

    def next_number(self) -> int:
        """1 + the highest N of this user's saved runs named "Run N": where a new session could start
        numbering its runs so that the names it shows are the names they are saved under."""
        numbers = [int(m[1]) for m in map(DEFAULT_NAME.fullmatch, self._own_names()) if m]
        return max(numbers, default=0) + 1

    def _own_names(self) -> set[str]:
        return {r.name for r in self.list().runs if r.owner == self.user.key}

    # ---- writing ---------------------------------------------------------------------------------
    def save(self, record: RunRecord, network: Network, name: str | None = None) -> str:
        """Save an ended run with its final weights; returns its new id. All or nothing.
        RunStoreError (NOT_WRITABLE) if the runs folder cannot be written."""
        from nnviz import model  # deferred: TensorFlow is only needed to write the .keras file

        run_id, now = new_id(), time.time()
        name = clean_name(name) if name else self.default_name(clean_name(record.name))
        with _writing("save", run_id):
            self.root.mkdir(parents=True, exist_ok=True)
            self._sweep()
            staging = self.root / f".saving-{run_id}"
            staging.mkdir()
            try:
                model.from_network(network, record.settings.learning_rate).save(str(staging / MODEL))
                with open(staging / MODEL, "rb") as file:
                    os.fsync(file.fileno())
                full = record.to_dict()
                write_atomic(staging / METRICS, _json_bytes({"history": full.pop("history"),
                                                             "evaluation": full.pop("evaluation")}))
                summary = {"format": FORMAT, "id": run_id, "name": name,
                           "owner": self.user.key, "owner_name": self.user.name if self.user.key else "",
                           "shared": False,
                           "saved_at": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="microseconds"),
                           "record": full, "epochs": record.epochs,
                           "final": {k: _finite_or_none(v) for k, v in record.final().items()}}
                write_atomic(staging / RUN, _json_bytes(summary))
                event_log.write(staging, record.history, now, record.seconds)
                _sync_folder(staging)
                os.replace(staging, self.root / run_id)  # the run appears whole, in one step
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        _sync_folder(self.root)
        return run_id

    def rename(self, run_id: str, name: str) -> SavedRun:
        """Give a run a new display name (sanitised; ValueError if empty). Only run.json changes.
        RunStoreError if the run is gone, not this user's, or the runs folder cannot be written."""
        return self._rewrite(run_id, access.RENAME, name=clean_name(name))

    def share(self, run_id: str, shared: bool) -> SavedRun:
        """Put a run in the class gallery (or take it out). RunStoreError as rename."""
        return self._rewrite(run_id, access.SHARE, shared=bool(shared))

    def _rewrite(self, run_id: str, action: str, **changes) -> SavedRun:
        """Change fields of a run's run.json, atomically, if this store's user may."""
        folder = self._folder(run_id)
        summary = self._summary(folder)
        self._allowed(action, self._saved(summary, run_id))  # the owner never changes, so checking first is safe
        summary.update(changes)
        with _writing(action, run_id):
            try:
                write_atomic(folder / RUN, _json_bytes(summary))
            except FileNotFoundError:
                if not folder.is_dir():  # deleted (here or by another server) since it was read
                    raise RunStoreError(GONE) from None
                raise
        return self._saved(summary, run_id)

    def tag_sweep(self, trainer_run_id: str, tag: SweepTag) -> str:
        """Mark the saved run that a trainer recorded under trainer_run_id (RunRecord.run_id) as part of
        a sweep; returns its saved id. Trainers save every ended run before publishing that it ended, so
        it is there by then. RunStoreError (GONE) if this user has no such run."""
        for entry in sorted(self.root.glob("*-*-*"), reverse=True):  # newest first: it was saved just now
            if not ID.fullmatch(entry.name):
                continue
            try:
                summary = self._summary(entry)
            except RunStoreError:
                continue
            record = summary.get("record") or {}
            if record.get("run_id") == trainer_run_id and summary.get("owner") == self.user.key:
                self._rewrite(entry.name, access.RENAME, record={**record, "sweep": tag.to_dict()})
                return entry.name
        raise RunStoreError(GONE)

    def sweep(self, sweep_id: str) -> tuple[SavedRun, ...]:
        """The saved runs of one sweep that this user may view, in the order the sweep trained them."""
        return self.sweeps().get(sweep_id, ())

    def sweeps(self, runs: Sequence[SavedRun] | None = None) -> dict[str, tuple[SavedRun, ...]]:
        """Every sweep with a run this user may view (of `runs`, default: the list), newest first: sweep
        id → its runs in the order the sweep trained them."""
        groups: dict[str, list[SavedRun]] = {}
        for run in self.list().runs if runs is None else runs:  # newest first, so the dict is too
            if run.sweep is not None:
                groups.setdefault(run.sweep.sweep_id, []).append(run)
        return {key: tuple(sorted(group, key=lambda r: r.sweep.index)) for key, group in groups.items()}

    def delete(self, run_id: str) -> None:
        """Remove a run. It is first renamed to a hidden folder (one atomic step, so it leaves the list
        whole), then removed from disk. RunStoreError if it is gone, not this user's, or the runs folder
        cannot be written."""
        folder = self._folder(run_id)
        if not self.user.local:  # the local user may also delete a run whose run.json cannot be read
            try:
                self._allowed(access.DELETE, self.get(run_id))
            except _Missing:
                raise RunStoreError(GONE) from None
        doomed = self.root / f".deleting-{run_id}-{uuid.uuid4().hex[:6]}"
        with _writing("delete", run_id):
            try:
                os.replace(folder, doomed)
            except FileNotFoundError:
                raise RunStoreError(GONE) from None
        shutil.rmtree(doomed, ignore_errors=True)
        _sync_folder(self.root)

    def _sweep(self) -> None:
        """Remove what crashed saves and deletes left behind (hidden, and older than STALE_SECONDS)."""
        cutoff = time.time() - STALE_SECONDS
        for entry in self.root.glob(".*"):
            with contextlib.suppress(OSError):
                if entry.name.startswith((".saving-", ".deleting-")) and entry.stat().st_mtime < cutoff:
                    shutil.rmtree(entry)

    # ---- reading ---------------------------------------------------------------------------------
    def list(self) -> Listing:
        """Every readable saved run, newest first, and a note about each folder that could not be read.
        A run that another server is adding or deleting right now is left out silently. Never raises."""
        runs, problems = [], []
        try:
            entries = sorted(self.root.iterdir())
        except FileNotFoundError:
            return Listing((), ())
        except OSError as exc:
            LOG.error("cannot list the runs folder %s: %s", self.root, exc)
            return Listing((), (f"The runs folder cannot be read ({exc.strerror or type(exc).__name__}).",))
        for entry in entries:
            if not ID.fullmatch(entry.name):
                continue  # hidden staging/deleting folders, or files nnviz did not make
            try:
                if not (entry / MODEL).is_file():
                    raise _Missing("its model.keras is missing")
                run = self._saved(self._summary(entry), entry.name)
                if access.may(self.user, access.VIEW, run):
                    runs.append(run)
            except _Missing as exc:
                if not _arriving_or_gone(entry):
                    problems.append(f"{entry.name}: {exc}")
            except (OSError, ValueError, KeyError, TypeError, RunStoreError) as exc:
                problems.append(f"{entry.name}: {_reason(exc)}")
        runs.sort(key=lambda r: (r.saved_at, r.run_id), reverse=True)
        # A folder that cannot be read has no owner to go by: only whoever may see every run hears of it.
        return Listing(tuple(runs), tuple(problems) if self.user.local or self.user.teacher else ())

    def get(self, run_id: str) -> SavedRun:
        """What the list shows about one run. RunStoreError if it is gone or this user may not view it."""
        run = self._saved(self._summary(self._folder(run_id)), run_id)
        self._allowed(access.VIEW, run)
        return run

    def record(self, run_id: str) -> RunRecord:
        """The full RunRecord (curves and test predictions) of a saved run; no TensorFlow needed."""
        folder = self._folder(run_id)
        summary = self._summary(folder)
        self._allowed(access.VIEW, self._saved(summary, run_id))
        try:
            metrics = json.loads((folder / METRICS).read_bytes())
            return RunRecord.from_dict({**summary["record"], **metrics})
        except FileNotFoundError:
            raise RunStoreError(GONE) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RunStoreError(f"This run's curves cannot be read ({_reason(exc)}).") from None

    def model_bytes(self, run_id: str) -> bytes:
        """The run's .keras file, as saved (for download)."""
        self.get(run_id)  # only a run this user may view
        try:
            return (self._folder(run_id) / MODEL).read_bytes()
        except FileNotFoundError:
            raise RunStoreError(GONE) from None

    def load(self, run_id: str) -> tuple[RunRecord, Network]:
        """A saved run's record and weights. The .keras file goes through the same checks as an
        upload (safe_mode on, shape and layers checked); imports TensorFlow."""
        from nnviz import model_io

        record = self.record(run_id)
        try:
            return record, model_io.network_from_keras_bytes(self.model_bytes(run_id))
        except model_io.BadModel as exc:
            raise RunStoreError(f"This run's model file cannot be used: {exc}") from None

    def _summary(self, folder: Path) -> dict:
        try:
            summary = json.loads((folder / RUN).read_bytes())
        except FileNotFoundError:
            raise _Missing("its run.json is missing" if folder.is_dir() else GONE) from None
        except (OSError, ValueError) as exc:
            raise RunStoreError(f"its run.json cannot be read ({_reason(exc)})") from None
        if not isinstance(summary, dict) or summary.get("format") != FORMAT:
            raise RunStoreError("its run.json is not in a format this nnviz knows")
        return summary

    @staticmethod
    def _saved(summary: dict, run_id: str) -> SavedRun:
        r, final = summary["record"], summary["final"]
        saved_at = dt.datetime.fromisoformat(summary["saved_at"])
        if saved_at.tzinfo is None or r["status"] not in ENDED:
            raise ValueError("its run.json has an invalid date or status")

        def metric(name: str) -> float:
            value = final.get(name)
            return math.nan if value is None else float(value)
        owner = summary.get("owner")
        if owner is not None and not isinstance(owner, str):
            raise ValueError("its run.json has an invalid owner")
        return SavedRun(run_id, clean_name(summary["name"]), saved_at, Settings(**r["settings"]), str(r["dataset"]),
                        int(r["train_size"]), r["status"], int(r["steps"]), float(summary["epochs"]),
                        float(r["seconds"]), metric("val_accuracy"), metric("test_accuracy"), owner,
                        str(summary.get("owner_name") or "")[:60], summary.get("shared") is True,
                        metric("train_accuracy"), SweepTag.from_dict(r["sweep"]) if r.get("sweep") else None)


def _arriving_or_gone(folder: Path) -> bool:
    """Whether a run folder with files missing is another server's run appearing (a young folder: runs
    are written whole, but a shared or network folder may show them a moment early) or has just gone."""
    try:
        return time.time() - folder.stat().st_mtime < ARRIVING_SECONDS
    except FileNotFoundError:
        return True  # deleted since the folder was listed


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RunStoreError):
        return str(exc)
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"[:160]
