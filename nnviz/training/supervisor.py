"""The server's side of a session's training: a worker process only while a run needs one (Supervisor).

The worker (worker, engine) owns the Keras model. This side starts it, forwards commands to it,
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

from nnviz.data import Dataset
from nnviz.network import forward
from nnviz.settings import Settings
from nnviz.training.dataset_refs import dataset_ref
from nnviz.training.engine import Start
from nnviz.training.messages import queued_message
from nnviz.training.pool import Pool
from nnviz.training.snapshot import Probe, Snapshot, frozen, starting
from nnviz.training.status import Command, Status
from nnviz.training.worker import main as worker_main

LOG = logging.getLogger("nnviz.training")
PRELOAD = ["nnviz.training.steps", "nnviz.model", "nnviz.training.worker"]  # imported once, by the forkserver
START_METHOD = "forkserver"
QUEUE_POLL_SECONDS = 0.5  # how often a run waiting for a slot re-checks its place in line
COMPILING = "Compiling the training step…"
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
    nnviz.training.worker.main."""
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
class WorkerHandle:
    """One worker process and the thread that reads its pipe."""

    held: list = field(default_factory=list)    # commands waiting until it has started, or for the next one
    process: multiprocessing.process.BaseProcess | None = None
    conn: object = None
    thread: threading.Thread | None = None
    sent: int = 0                               # how many commands it was sent
    unanswered: set = field(default_factory=set)
    seen: int = 0                               # the last Train pressed before it started: handled already
    retiring: bool = False                      # told to end: idle, and nothing sent since
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message) -> None:
        with self.send_lock:
            self.conn.send(message)


class Supervisor:
    """A Trainer's state in the server. Commands are numbered; a worker answers each one once applied."""

    def __init__(self, dataset: Dataset, settings: Settings, pool: Pool, chunk_seconds: float, store=None):
        self.dataset, self.pool, self.chunk_seconds = dataset, pool, chunk_seconds
        self.store = store  # a run_store.RunStore that keeps every ended run on disk, or None
        self.lock = threading.RLock()
        self.published_cond = threading.Condition()
        self.published: collections.deque = collections.deque(maxlen=10_000)
        self.records: tuple = ()
        self.probe_image: np.ndarray | None = None
        # Numbered after the user's saved runs, so the name a page shows ("Run 3") is the name it is saved under.
        self.numbers = itertools.count(store.next_number() if store is not None else 1)
        self.number = 0
        self.versions = itertools.count(1)
        self.seqs = itertools.count(1)
        self.answers: dict[int, threading.Event] = {}
        self.pressed = 0  # the number of the last Train that took a slot (or a place in line) when pressed
        self.worker: WorkerHandle | None = None
        self.waiter: threading.Thread | None = None  # waiting for a slot before the first step: no process
        self.closing = False
        self.snapshot = starting(settings, dataset.name)
        self.post(Command.RESET, (settings, None))

    # ---- called from the page's threads ----------------------------------------------------
    @property
    def closed(self) -> bool:
        # No lock: readers call this holding published_cond, which install takes inside self.lock.
        return self.closing and self.worker is None

    def post(self, name: Command, arg) -> threading.Event:
        done = threading.Event()
        with self.lock:
            seq = next(self.seqs)
            self.answers[seq] = done
            self.closing = self.closing or name == Command.CLOSE
            self.dispatch((name, arg, seq))
        return done

    def command(self, name: Command, arg, wait: float) -> Snapshot:
        done = self.post(name, arg)
        done.wait(wait)
        return self.snapshot

    def close(self, wait: bool, reason: str) -> None:
        self.post(Command.CLOSE, reason)
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
        if command[0] == Command.PLAY:
            self.take_slot_now(worker, command[2])
        if worker.conn is None or worker.retiring:
            return worker.held.append(command)
        self.send(worker, command)

    def take_slot_now(self, worker: WorkerHandle, seq: int) -> None:
        """First come, first served by the time Train was pressed, not by when a (still starting)
        worker gets to it: take the slot, or a place in line, now. The worker's own request then finds
        it held, or keeps that place, and neither a release for an earlier command (release) nor the
        end of a retiring worker (ended) gives it away. A run it is still building shows that at once."""
        snap = self.snapshot
        if self.closing or snap.ended or snap.status == Status.CLOSED:
            return
        granted = self.pool.acquire(self)
        self.pressed = max(self.pressed, seq)
        if snap.step == 0 and snap.status in (Status.STARTING, Status.READY) and not worker.retiring:
            self.install(replace(snap, status=Status.TRAINING, message=COMPILING) if granted else self.queued(snap))

    def queued(self, snap: Snapshot) -> Snapshot:
        place = self.place()
        return replace(snap, status=Status.QUEUED, message=queued_message(self.pool.limit, place),
                       queue_position=place)

    def send(self, worker: WorkerHandle, command: tuple) -> None:
        name, arg, seq = command
        if name == Command.RESET:
            settings, dataset = arg
            self.dataset = dataset or self.dataset
            self.number = next(self.numbers)
            arg = (settings, dataset_ref(self.dataset), self.number)
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
        if name == Command.CLOSE:
            self.close_here(arg)
        elif self.closing:
            pass
        elif name == Command.RESET:
            return self.reset_here(arg, seq)  # answered by the worker it starts
        elif name in (Command.PLAY, Command.STEP) and self.untrained() and self.waiter is None:
            self.train_here(name)
        elif name in (Command.PAUSE, Command.STOP) and self.waiter is not None:
            self.cancel_waiting()
            self.install(replace(self.snapshot, status=Status.READY, message="", queue_position=None))
        elif name == Command.PROBE and self.snapshot.network is not None and self.snapshot.run_id:
            self.probe_here(arg)
        self.answer(seq)

    def untrained(self) -> bool:
        snap = self.snapshot
        return bool(snap.run_id) and snap.status == Status.READY and snap.step == 0

    def close_here(self, reason: str) -> None:
        self.cancel_waiting()
        snap = self.snapshot
        if snap.status != Status.CLOSED:
            self.install(replace(snap, status=Status.CLOSED, message=reason or snap.message, queue_position=None))

    def reset_here(self, arg, seq: int) -> None:
        self.cancel_waiting()
        settings = arg[0] or self.snapshot.settings
        self.install(starting(settings, (arg[1] or self.dataset).name))
        self.start([(Command.RESET, (settings, arg[1]), seq)])

    def train_here(self, name: Command) -> None:
        """Play or Step on a run that never trained: rebuild it in a new worker (Play: once a slot is free)."""
        if name == Command.STEP:
            return self.start([self.rebuild(), (name, None, 0)])
        if self.pool.acquire(self):  # answered now: the page need not wait while a worker rebuilds the run
            self.install(replace(self.snapshot, status=Status.TRAINING, message=COMPILING))
            self.start([self.rebuild(), (name, None, 0)])
        else:  # waits in line here, with no process until a slot frees up
            self.install(self.queued(self.snapshot))
            self.waiter = threading.Thread(target=self.wait_for_slot, name="nnviz-queued", daemon=True)
            self.waiter.start()

    def probe_here(self, image: np.ndarray | None) -> None:
        snap = self.snapshot
        probe = None if image is None else Probe(image, np.array([snap.step]), forward(snap.network, image).probs[None])
        self.install(replace(snap, probe=probe))

    def rebuild(self) -> tuple:
        snap = self.snapshot
        return (Command.REBUILD, (snap.settings, dataset_ref(self.dataset), self.number, snap.run_id), 0)

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
                    self.install(replace(snap, status=Status.TRAINING, message=COMPILING, queue_position=None))
                    self.start([self.rebuild(), (Command.PLAY, None, 0)])
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
        worker = WorkerHandle(held=list(commands), seen=self.pressed)
        worker.thread = threading.Thread(target=self.run_worker, args=(worker,), name="nnviz-trainer", daemon=True)
        self.worker = worker
        worker.thread.start()

    def run_worker(self, worker: WorkerHandle) -> None:
        """The reader thread: start the process (the first start also starts the forkserver), then
        serve its messages until its pipe closes."""
        try:
            ctx = context()
            here, there = ctx.Pipe()
            start = Start(self.chunk_seconds, self.pool.limit, self.store, self.probe_image, worker.seen)
            worker.process = ctx.Process(target=worker_main, args=(there, start), name="nnviz-trainer",
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

    def serve(self, worker: WorkerHandle) -> None:
        """Answer the worker's messages until its pipe closes."""
        handlers = {"snapshot": self.install, "record": self.on_record, "done": lambda seq: self.on_done(worker, seq),
                    "acquire": lambda timeout: worker.send(("reply", self.pool.acquire(self, timeout))),
                    "position": lambda: worker.send(("reply", self.place())),
                    "release": self.release,
                    "idle": lambda received: self.on_idle(worker, received)}
        while True:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                return
            handlers[message[0]](*message[1:])

    def release(self, seen: int) -> None:
        """The worker gave up its slot after seeing commands up to number seen. A Train pressed after
        those (a Reset then Train, under load) keeps the slot it took: the worker has yet to see it."""
        with self.lock:
            if seen >= self.pressed:
                self.pool.release(self)

    def on_record(self, record) -> None:
        with self.lock:
            self.records = (*self.records, frozen(record))

    def on_done(self, worker: WorkerHandle, seq: int) -> None:
        with self.lock:
            worker.unanswered.discard(seq)
            self.answer(seq)

    def on_idle(self, worker: WorkerHandle, received: int) -> None:
        with self.lock:
            if received == worker.sent and not worker.held and not worker.retiring:
                worker.retiring = True  # from now on, commands wait for the next worker
                worker.send(("cmd", Command.RETIRE, None, 0))

    def ended(self, worker: WorkerHandle) -> None:
        """The worker's pipe closed: it retired, closed, or died. Tell the page if it died; pass on
        what it never got."""
        if worker.conn is not None:  # it started
            worker.process.join(10)
            worker.conn.close()
        with self.lock:
            snap = self.snapshot
            if not worker.retiring and snap.status != Status.CLOSED:
                self.install(replace(snap, status=Status.CLOSED, queue_position=None) if self.closing
                             else self.crashed(worker, snap))
            self.worker = None
            for seq in worker.unanswered:
                self.answer(seq)
            # The held commands first: a Train held for the next worker keeps the slot taken when it was pressed.
            for command in worker.held:
                self.dispatch(command)
            if self.worker is None and self.waiter is None:
                self.pool.release(self)
        with self.published_cond:
            self.published_cond.notify_all()  # wake anyone waiting on a trainer that may now be closed

    def crashed(self, worker: WorkerHandle, snap: Snapshot) -> Snapshot:
        code = worker.process.exitcode if worker.conn is not None else None
        LOG.error("training worker ended unexpectedly (exit code %s)", code)
        steps = f"step {snap.step:,}" if snap.step else "the start"
        return replace(snap, status=Status.FAILED, message=CRASHED.format(steps=steps), queue_position=None,
                       eta_seconds=None)

    # ---- publishing -------------------------------------------------------------------------
    def install(self, snapshot: Snapshot) -> None:
        """Make a snapshot the current one (renumbered: versions count across workers)."""
        frozen(snapshot)
        with self.published_cond:
            snapshot = replace(snapshot, version=next(self.versions))
            self.snapshot = snapshot  # the one reference readers follow
            self.published.append(time.monotonic())
            self.published_cond.notify_all()
