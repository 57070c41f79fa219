"""The server's side of a session's training: a worker process only while a run needs one (_Supervisor).

The worker (training_worker) owns the Keras model. This side starts it, forwards commands to it,
answers its requests for a slot in the server-wide Pool, and keeps the latest Snapshot it sent:
replacing one reference, so readers never lock and never see half-updated data. A thread reads each
live worker's pipe; with no worker there is no thread either. A worker ends once its run no longer
needs it (never trained, or ended): the last snapshot holds everything a page shows, and a run that
never trained is rebuilt from its seed when it is asked to train. A run waiting for a slot before
its first step waits here, without a process. A worker that dies unexpectedly fails its run with a
plain message; the server carries on.

Workers are forked from multiprocessing's forkserver, which imports TensorFlow once (PRELOAD): a new
worker is ready in ~0.05 s with TensorFlow loaded, where a spawned one takes as long as importing
TensorFlow again (~4 s idle, 12-15 s on a busy 2-core machine, measured).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import multiprocessing
import multiprocessing.forkserver
import sys
import threading
import time
import types
from dataclasses import dataclass, field, replace

import numpy as np

from nnviz import training_worker
from nnviz.data import Dataset
from nnviz.network import forward
from nnviz.settings import Settings
from nnviz.training_state import Pool, Probe, Snapshot, frozen, queued_message

LOG = logging.getLogger("nnviz.training")
PRELOAD = ["nnviz.train_steps", "nnviz.model", "nnviz.training_worker"]  # imported once, by the forkserver
START_METHOD = "forkserver"
QUEUE_POLL_SECONDS = 0.5  # how often a run waiting for a slot re-checks its place in line
CRASHED = ("The training process stopped unexpectedly (it was killed, or the server ran short of memory), "
           "so this run ended at {steps}. Press Train to start a new run.")

_context_lock = threading.Lock()
_main_lock = threading.Lock()


def context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context workers start from; the forkserver is told what to preload first."""
    with _context_lock:
        ctx = multiprocessing.get_context(START_METHOD)
        if START_METHOD == "forkserver" and not getattr(context, "preloaded", False):
            ctx.set_forkserver_preload(PRELOAD)
            context.preloaded = True
        return ctx


@contextlib.contextmanager
def main_module_hidden():
    """While a worker starts, hide __main__ from multiprocessing, which would run it again in the worker
    (so that functions defined there unpickle). In a served app __main__ is the last page script
    Streamlit ran (it installs each script as __main__), or the `streamlit` command: a worker would
    run app.py, or import Streamlit (4.6 s and 33 MB per worker, measured). Workers need only
    nnviz.training_worker.main."""
    with _main_lock:
        main = sys.modules["__main__"]
        stub = types.ModuleType("__main__")
        sys.modules["__main__"] = stub
        try:
            yield
        finally:
            if sys.modules.get("__main__") is stub:  # unless a page script installed itself meanwhile
                sys.modules["__main__"] = main


def start_process(ctx, process: multiprocessing.process.BaseProcess) -> None:
    if ctx.get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()  # the slow part (importing PRELOAD) outside the hiding
    with main_module_hidden():
        process.start()


@dataclass(eq=False)
class _Worker:
    """One worker process and the thread that reads its pipe."""

    held: list = field(default_factory=list)    # commands waiting until it has started, or for the next one
    process: multiprocessing.process.BaseProcess | None = None
    conn: object = None
    thread: threading.Thread | None = None
    sent: int = 0                               # how many commands it was sent
    unanswered: set = field(default_factory=set)
    retiring: bool = False                      # told to end: idle, and nothing sent since
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message) -> None:
        with self.send_lock:
            self.conn.send(message)


class _Supervisor:
    """A Trainer's state in the server. Commands are numbered; a worker answers each one once applied."""

    def __init__(self, dataset: Dataset, settings: Settings, pool: Pool, chunk_seconds: float, store=None):
        self.dataset, self.pool, self.chunk_seconds = dataset, pool, chunk_seconds
        self.store = store  # a run_store.RunStore that keeps every ended run on disk, or None
        self.lock = threading.RLock()
        self.published_cond = threading.Condition()
        self.published: collections.deque = collections.deque(maxlen=10_000)
        self.records: tuple = ()
        self.probe_image: np.ndarray | None = None
        self.numbers = itertools.count(1)
        self.number = 0
        self.versions = itertools.count(1)
        self.seqs = itertools.count(1)
        self.answers: dict[int, threading.Event] = {}
        self.worker: _Worker | None = None
        self.waiter: threading.Thread | None = None  # waiting for a slot before the first step: no process
        self.closing = False
        self.snapshot = Snapshot(0, "", "", settings, dataset.name, "starting", "Preparing the model…")
        self.post("reset", (settings, None))

    # ---- called from the page's threads ----------------------------------------------------
    @property
    def closed(self) -> bool:
        # No lock: readers call this holding published_cond, which install takes inside self.lock.
        return self.closing and self.worker is None

    def post(self, name: str, arg) -> threading.Event:
        done = threading.Event()
        with self.lock:
            seq = next(self.seqs)
            self.answers[seq] = done
            self.closing = self.closing or name == "close"
            self.dispatch((name, arg, seq))
        return done

    def command(self, name: str, arg, wait: float) -> Snapshot:
        done = self.post(name, arg)
        done.wait(wait)
        return self.snapshot

    def close(self, wait: bool, reason: str) -> None:
        self.post("close", reason)
        with self.lock:
            worker = self.worker
        if wait and worker is not None and worker.thread is not threading.current_thread():
            worker.thread.join(30)
            if worker.process is not None and worker.process.is_alive():  # stuck: it must not outlive its trainer
                worker.process.kill()
                worker.thread.join(10)

    # ---- commands ---------------------------------------------------------------------------
    def dispatch(self, command: tuple) -> None:
        """Send a command to the live worker, hold it while one starts or ends, else apply it here."""
        worker = self.worker
        if worker is None:
            return self.apply_here(command)
        snap = self.snapshot
        if command[0] == "play" and not self.closing and not snap.ended and snap.status != "closed":
            # First come, first served by the time Train was pressed, not by when a (still starting)
            # worker gets to it: take the slot, or a place in line, now. The worker's own request
            # then finds it held, or keeps that place. A run it is still building shows that at once.
            granted = self.pool.acquire(self)
            if snap.step == 0 and snap.status in ("starting", "ready") and not worker.retiring:
                self.install(replace(snap, status="training", message="Compiling the training step…") if granted
                             else replace(snap, status="queued", message=queued_message(self.pool.limit, self.place()),
                                          queue_position=self.place()))
        if worker.conn is None or worker.retiring:
            return worker.held.append(command)
        self.send(worker, command)

    def send(self, worker: _Worker, command: tuple) -> None:
        name, arg, seq = command
        if name == "reset":
            settings, dataset = arg
            self.dataset = dataset or self.dataset
            self.number = next(self.numbers)
            arg = (settings, training_worker.dataset_ref(self.dataset), self.number)
        try:
            worker.send(("cmd", name, arg, seq))
        except (OSError, ValueError):  # it just died: its reader thread tells the page
            pass
        worker.sent += 1
        if seq:
            worker.unanswered.add(seq)

    def apply_here(self, command: tuple) -> None:
        """A command while no worker runs: start one if the run needs it, else answer here."""
        name, arg, seq = command
        snap = self.snapshot
        untrained = bool(snap.run_id) and snap.status == "ready" and snap.step == 0
        if name == "close":
            self.cancel_waiting()
            if snap.status != "closed":
                self.install(replace(snap, status="closed", message=arg or snap.message, queue_position=None))
        elif self.closing:
            pass
        elif name == "reset":
            self.cancel_waiting()
            settings = arg[0] or snap.settings
            self.install(Snapshot(0, "", "", settings, (arg[1] or self.dataset).name, "starting",
                                  "Preparing the model…"))
            self.start([(name, (settings, arg[1]), seq)])
            return
        elif name == "play" and untrained and self.waiter is None:
            if self.pool.acquire(self):  # answered now: the page need not wait while a worker rebuilds the run
                self.install(replace(snap, status="training", message="Compiling the training step…"))
                self.start([self.rebuild(), (name, arg, 0)])
            else:  # waits in line here, with no process until a slot frees up
                self.install(replace(snap, status="queued", message=queued_message(self.pool.limit, self.place()),
                                     queue_position=self.place()))
                self.waiter = threading.Thread(target=self.wait_for_slot, name="nnviz-queued", daemon=True)
                self.waiter.start()
        elif name == "step" and untrained and self.waiter is None:
            self.start([self.rebuild(), (name, arg, 0)])
        elif name in ("pause", "stop") and self.waiter is not None:
            self.cancel_waiting()
            self.install(replace(snap, status="ready", message="", queue_position=None))
        elif name == "probe" and snap.network is not None and snap.run_id:
            probe = None if arg is None else Probe(arg, np.array([snap.step]),
                                                   forward(snap.network, arg).probs[None])
            self.install(replace(snap, probe=probe))
        self.answer(seq)

    def rebuild(self) -> tuple:
        snap = self.snapshot
        return ("rebuild", (snap.settings, training_worker.dataset_ref(self.dataset), self.number, snap.run_id), 0)

    def place(self) -> int | None:
        return self.pool.position(self)

    def wait_for_slot(self) -> None:
        """A run queued before its first step waits in line here; it gets a worker once a slot frees up."""
        me = threading.current_thread()
        while True:
            granted = self.pool.acquire(self, timeout=QUEUE_POLL_SECONDS)
            with self.lock:
                if self.waiter is not me:  # paused, stopped, reset or closed meanwhile
                    if granted and self.worker is None and self.waiter is None:
                        self.pool.release(self)
                    return
                snap = self.snapshot
                if granted:
                    self.waiter = None
                    self.install(replace(snap, status="training", message="Compiling the training step…",
                                         queue_position=None))
                    self.start([self.rebuild(), ("play", None, 0)])
                    return
                place = self.place()
                if place != snap.queue_position:
                    self.install(replace(snap, message=queued_message(self.pool.limit, place), queue_position=place))

    def cancel_waiting(self) -> None:
        if self.waiter is not None:
            self.waiter = None
            self.pool.release(self)

    def answer(self, seq: int) -> None:
        done = self.answers.pop(seq, None)
        if done is not None:
            done.set()

    # ---- the worker -------------------------------------------------------------------------
    def start(self, commands: list) -> None:
        worker = _Worker(held=list(commands))
        worker.thread = threading.Thread(target=self.run_worker, args=(worker,), name="nnviz-trainer", daemon=True)
        self.worker = worker
        worker.thread.start()

    def run_worker(self, worker: _Worker) -> None:
        """The reader thread: start the process (the first start also starts the forkserver), then
        serve its messages until its pipe closes."""
        try:
            ctx = context()
            here, there = ctx.Pipe()
            start = training_worker.Start(self.chunk_seconds, self.pool.limit, self.store, self.probe_image)
            worker.process = ctx.Process(target=training_worker.main, args=(there, start), name="nnviz-trainer",
                                         daemon=True)
            start_process(ctx, worker.process)
            there.close()  # the worker's end lives in the worker now: its exit must close the pipe
            with self.lock:
                worker.conn = here
                held, worker.held = worker.held, []
                for command in held:
                    self.dispatch(command)
            self.serve(worker)
        except Exception:  # noqa: BLE001 - e.g. no process could be started; told on the page
            LOG.exception("training worker failed")
        finally:
            self.ended(worker)

    def serve(self, worker: _Worker) -> None:
        while True:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                return
            kind = message[0]
            if kind == "snapshot":
                self.install(message[1])
            elif kind == "record":
                with self.lock:
                    self.records = (*self.records, frozen(message[1]))
            elif kind == "done":
                with self.lock:
                    worker.unanswered.discard(message[1])
                    self.answer(message[1])
            elif kind == "acquire":
                worker.send(("reply", self.pool.acquire(self, message[1])))
            elif kind == "position":
                worker.send(("reply", self.place()))
            elif kind == "release":
                self.pool.release(self)
            elif kind == "idle":
                with self.lock:
                    if message[1] == worker.sent and not worker.held and not worker.retiring:
                        worker.retiring = True  # from now on, commands wait for the next worker
                        worker.send(("cmd", "retire", None, 0))

    def ended(self, worker: _Worker) -> None:
        """The worker's pipe closed: it retired, closed, or died. Tell the page if it died; pass on
        what it never got."""
        if worker.conn is not None:  # it started
            worker.process.join(10)
            worker.conn.close()
        with self.lock:
            self.pool.release(self)
            snap = self.snapshot
            if not worker.retiring and snap.status != "closed":
                if self.closing:
                    self.install(replace(snap, status="closed", queue_position=None))
                else:
                    code = worker.process.exitcode if worker.conn is not None else None
                    LOG.error("training worker ended unexpectedly (exit code %s)", code)
                    steps = f"step {snap.step:,}" if snap.step else "the start"
                    self.install(replace(snap, status="failed", message=CRASHED.format(steps=steps),
                                         queue_position=None, eta_seconds=None))
            self.worker = None
            for seq in worker.unanswered:
                self.answer(seq)
            for command in worker.held:
                self.dispatch(command)
        with self.published_cond:
            self.published_cond.notify_all()  # wake anyone waiting on a trainer that may now be closed

    # ---- publishing -------------------------------------------------------------------------
    def install(self, snapshot: Snapshot) -> None:
        """Make a snapshot the current one (renumbered: versions count across workers)."""
        frozen(snapshot)
        with self.published_cond:
            snapshot = replace(snapshot, version=next(self.versions))
            self.snapshot = snapshot  # the one reference readers follow
            self.published.append(time.monotonic())
            self.published_cond.notify_all()
