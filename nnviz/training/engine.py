"""A training worker's loop: it applies the server's commands between chunks of training, and sends a
new immutable Snapshot up the pipe after each chunk, where it replaces the previous one.

Only this process touches the Keras model (see run). It trains in chunks of K batches (one compiled
call, see steps); K adapts so that a chunk takes about CHUNK_SECONDS, so snapshots arrive several
times a second while Python's overhead per batch stays negligible. The server-wide cap on concurrent
runs stays in the server: the worker asks it for a slot over the same pipe (Slot).

Pipe messages, worker → server: ("snapshot", Snapshot), ("record", RunRecord), ("done", seq),
("idle", commands received so far), ("acquire", timeout), ("position",), ("release", last command seen).
Server → worker: ("cmd", Command, arg, seq) and ("reply", value) answering acquire and position. The server's end
closing (the server exited or was killed) ends the worker: it never outlives its server.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from nnviz import evaluation
from nnviz.data import Dataset
from nnviz.network import Network, cross_entropy, forward
from nnviz.run_record import RunRecord
from nnviz.run_store import RunStoreError
from nnviz.settings import Settings
from nnviz.training.dataset_refs import load_dataset
from nnviz.training.divergence import diverged_at, divergence, stalled
from nnviz.training.heap import settle_heap
from nnviz.training.messages import plural, queued_message
from nnviz.training.run import Run
from nnviz.training.snapshot import Probe, Snapshot, starting
from nnviz.training.split import VAL_SUBSET
from nnviz.training.status import Command, Status

LOG = logging.getLogger("nnviz.training")
CHUNK_SECONDS = 0.1               # target duration of one compiled call (→ ~10 snapshots/s)
MAX_CHUNK = 512                   # batches per call, at most
FIRST_CHUNK = 8                   # the first call also traces the graph: keep it short


class Gone(Exception):
    """The server's end of the pipe closed: the worker must end at once."""


@dataclass(frozen=True)
class Start:
    """What a new worker needs besides its first command."""

    chunk_seconds: float
    limit: int                    # the server's cap on concurrent runs, for the queued message
    store: object = None          # a run_store.RunStore (just a folder path), or None
    probe: np.ndarray | None = None
    seen: int = 0                 # the number of the last Train pressed before it started (see Slot.release)


class Slot:
    """The server's Pool, seen from the worker: every call is a message to the server's reader thread.
    A granted slot is remembered, so a training loop asking again each chunk costs no round trip."""

    build_lock = contextlib.nullcontext()  # a process of its own: no other build shares Keras's global state

    def __init__(self, engine: Engine, limit: int):
        self.engine, self.limit, self.held = engine, limit, False

    def acquire(self, timeout: float = 0.0) -> bool:
        if not self.held:
            self.held = bool(self.engine.ask(("acquire", timeout)))
        return self.held

    def release(self) -> None:
        # Always told: the server may hold a slot for this run that the worker never asked for (taken
        # when Train was pressed, to keep first come, first served). The last command seen lets the server
        # keep that slot when this release comes from an earlier command (a Reset before that Train).
        self.held = False
        self.engine.send(("release", self.engine.last_seq))

    def position(self) -> int | None:
        return None if self.held else self.engine.ask(("position",))


def scores(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy from logits, as evaluation.loss_and_accuracy gives them."""
    return float(cross_entropy(logits, labels).mean()), float((logits.argmax(axis=1) == labels).mean())


def finite(network: Network) -> bool:
    return all(np.isfinite(a).all() for a in network.arrays())


class Engine:
    """The worker's loop and its state. Commands arrive on the pipe; snapshots leave by it."""

    def __init__(self, conn, start: Start):
        self.conn, self.chunk_seconds, self.store = conn, start.chunk_seconds, start.store
        self.slot = Slot(self, start.limit)
        self.inbox: collections.deque = collections.deque()  # commands that came while waiting for a reply
        self.probe_image: np.ndarray | None = start.probe
        self.probe_rows: list[tuple[int, np.ndarray]] = []
        self.versions = itertools.count(1)
        self.dataset: Dataset | None = None
        self.run: Run | None = None
        self.want_train = False
        self.pending_steps = 0
        self.closing = False
        self.retired = False
        self.close_reason = ""
        self.received = 0            # commands received: the server retires an idle worker only if it sent no more
        self.last_seq = start.seen   # the number of the last page command seen here or before it started
        self.told_idle = False
        self.snapshot = starting(Settings(), "")
        self.handlers = {Command.PLAY: self.on_play, Command.PAUSE: self.on_pause, Command.STEP: self.on_step,
                         Command.STOP: self.on_stop, Command.RESET: self.on_reset, Command.REBUILD: self.on_rebuild,
                         Command.PROBE: self.on_probe, Command.RETIRE: self.on_retire, Command.CLOSE: self.on_close}

    # ---- the pipe ------------------------------------------------------------------------------
    def send(self, message) -> None:
        try:
            self.conn.send(message)
        except (OSError, ValueError) as exc:  # the server's end closed
            raise Gone from exc

    def receive(self, block: bool):
        """The next message from the server, or None when none is waiting (and block is False)."""
        try:
            if not block and not self.conn.poll():
                return None
            return self.conn.recv()
        except (EOFError, OSError) as exc:  # EOF: the server exited, was killed, or dropped this worker
            raise Gone from exc

    def ask(self, message):
        """Send a request and wait for its reply; commands arriving meanwhile wait in the inbox."""
        self.send(message)
        while True:
            answer = self.receive(block=True)
            if answer[0] == "reply":
                return answer[1]
            self.inbox.append(answer)

    def next_command(self, block: bool):
        if self.inbox:
            return self.inbox.popleft()
        return self.receive(block)

    # ---- the loop -----------------------------------------------------------------------------
    def busy(self) -> bool:
        return self.run is not None and (self.want_train or self.pending_steps > 0)

    def idle(self) -> bool:
        """Nothing to keep a process for: no run, or one that never trained or has ended, and no
        training asked for. The last snapshot holds all a page shows; a new worker can rebuild a
        run that never trained (its weights come from its seed)."""
        run = self.run
        return not self.busy() and (run is None or run.step == 0 or run.status.ended)

    def main(self) -> None:
        try:
            while not self.closing:
                if self.idle() and not self.told_idle:
                    self.told_idle = True  # the server answers with "retire" if it sent nothing since
                    self.send(("idle", self.received))
                self.handle(block=not self.busy())
                if self.closing or not self.busy():
                    continue
                if not self.slot.acquire(timeout=0.2):
                    self.set_status(Status.QUEUED, self.queued_message())
                    continue
                self.guarded(self.train_chunk)
        finally:
            if not self.retired:
                with contextlib.suppress(Gone):
                    self.slot.release()
                    self.publish(status=Status.CLOSED, message=self.close_reason or self.snapshot.message)

    def handle(self, block: bool) -> None:
        """Apply queued commands: wait for one when idle, then drain the rest."""
        message = self.next_command(block)
        while message is not None:
            _, name, arg, seq = message
            self.received += 1
            self.last_seq = max(self.last_seq, seq)
            self.told_idle = False
            self.guarded(self.handlers[Command(name)], arg)
            if seq:
                self.send(("done", seq))
            message = self.next_command(block=False)

    def guarded(self, action, *args) -> None:
        """Run an action; any exception fails the run with a message instead of ending the worker."""
        try:
            action(*args)
        except Gone:
            raise
        except Exception as exc:  # noqa: BLE001 - shown on the page; the app must stay usable
            LOG.exception("trainer failed")
            self.fail(f"Training failed: {type(exc).__name__}: {exc}"[:500])

    def fail(self, text: str) -> None:
        """End the run as failed (recorded, if it trained) and say why; never raises (but Gone)."""
        self.want_train, self.pending_steps = False, 0
        self.slot.release()
        run = self.run
        try:
            if run is not None and run.step > 0 and not run.status.ended:
                return self.end_run(Status.FAILED, text)
        except Gone:
            raise
        except Exception:  # noqa: BLE001 - e.g. the test digits cannot be evaluated either
            LOG.exception("could not record the failed run")
        if run is not None:
            run.status, run.message = Status.FAILED, text
        try:
            self.publish(status=Status.FAILED, message=text)
        except Gone:
            raise
        except Exception:  # noqa: BLE001 - fall back to the last snapshot, relabelled
            LOG.exception("could not publish the failure")
            self.snapshot = replace(self.snapshot, version=next(self.versions), status=Status.FAILED, message=text)
            self.send(("snapshot", self.snapshot))

    # ---- commands -------------------------------------------------------------------------
    def on_play(self, _=None) -> None:
        if self.run is None or self.run.status.ended:
            return self.slot.release()  # the server may have put it in line when Train was pressed
        self.want_train, self.pending_steps = True, 0
        if self.slot.acquire(timeout=0.0):
            self.set_status(Status.TRAINING, "")
        else:
            self.set_status(Status.QUEUED, self.queued_message())

    def on_pause(self, _=None) -> None:
        self.want_train, self.pending_steps = False, 0
        self.slot.release()
        if self.run is not None and self.run.status.active:
            self.set_status(Status.PAUSED if self.run.step else Status.READY, "")

    def on_step(self, _=None) -> None:
        if self.run is not None and not self.want_train and not self.run.status.ended:
            self.pending_steps += 1

    def on_stop(self, _=None) -> None:
        self.want_train, self.pending_steps = False, 0
        self.slot.release()
        if self.run is not None and self.run.step > 0 and not self.run.status.ended:
            self.end_run(Status.STOPPED, f"Stopped by you after {plural(self.run.step, 'step')}.")
        elif self.run is not None and self.run.status.active:
            self.set_status(Status.READY, "")

    def on_reset(self, arg) -> None:
        """A new run: (settings, dataset reference or None, its number)."""
        settings, ref, number = arg
        self.on_stop()
        if ref is not None or self.dataset is None:
            self.dataset = load_dataset(ref)
        settings = settings or (self.run.settings if self.run else self.snapshot.settings)
        self.run = None
        self.probe_rows = []
        self.publish(status=Status.STARTING, message="Preparing the model…", settings=settings, network=None)
        self.run = Run(number, settings, self.dataset, self.slot.build_lock)
        waiting = self.next_command(block=False)
        if waiting is not None:
            self.inbox.appendleft(waiting)
        if waiting is None or waiting[1] != Command.PLAY:  # Train, pressed meanwhile, tells the page itself
            self.publish()

    def on_rebuild(self, arg) -> None:
        """Build again a run that never trained (its last worker ended while it waited): the same
        seed gives the same weights, and the server already shows them, so nothing is published."""
        settings, ref, number, run_id = arg
        self.dataset = load_dataset(ref)
        self.run = Run(number, settings, self.dataset, self.slot.build_lock, run_id)
        self.add_probe_row()

    def on_probe(self, image) -> None:
        self.probe_image, self.probe_rows = image, []
        if self.run is not None:
            self.add_probe_row()
            self.publish()

    def on_retire(self, _=None) -> None:
        """The server agreed that this worker is idle: end it without a "closed" snapshot."""
        if self.idle():
            self.retired = self.closing = True

    def on_close(self, reason) -> None:
        self.close_reason = reason or ""
        self.closing = True
        self.want_train, self.pending_steps = False, 0
        self.slot.release()
        if self.run is not None and self.run.step > 0 and not self.run.status.ended:
            self.end_run(Status.STOPPED, reason or f"Stopped after {plural(self.run.step, 'step')}.")

    # ---- training -----------------------------------------------------------------------------
    def chunk_size(self, run: Run) -> int:
        """Batches in the next call. Sized from the call alone, not the per-chunk extras (validation,
        publishing): those would otherwise keep the chunk at one batch on a busy server."""
        if self.pending_steps:
            return 1
        if run.step == 0:
            return FIRST_CHUNK
        return max(1, min(MAX_CHUNK, round(run.call_rate * self.chunk_seconds)))

    def train_chunk(self) -> None:
        run = self.run
        self.set_status(Status.TRAINING, "Compiling the training step…" if run.step == 0 else self.live_message())
        batches = run.plan.next(self.chunk_size(run))
        start = time.perf_counter()
        losses, accuracies = run.train(batches)
        train_time = time.perf_counter() - start
        problem = divergence(losses)
        network = None if problem else run.to_network()
        if network is not None and not finite(network):
            problem, network = "the weights overflowed to infinity", None
        first = run.record(batches, losses, accuracies)
        checkpoint, epoch_over = run.plan.advance(len(batches))
        if self.pending_steps:
            self.pending_steps -= 1
        if problem:
            bad = diverged_at(losses)
            return self.diverged(run, problem, first - 1, first + (len(batches) - 1 if bad is None else bad))
        run.network = network
        self.validate(run, network, checkpoint, epoch_over)
        self.time_chunk(run, first, time.perf_counter() - start, len(batches) / max(train_time, 1e-6), batches.size)
        self.add_probe_row()
        self.after_chunk(run)

    def validate(self, run: Run, network: Network, checkpoint: bool, epoch_over: bool) -> None:
        """The subset's validation at a checkpoint, the full split's at the end of an epoch. The subset is the
        split's first digits, so at an epoch's end (also a checkpoint) the full split's logits serve both."""
        full = evaluation.logits(network, run.val_x) if epoch_over else None
        if checkpoint:
            z = full[:VAL_SUBSET] if full is not None else evaluation.logits(network, run.val_x[:VAL_SUBSET])
            val_loss, val_acc = scores(z, run.val_y[:VAL_SUBSET])
            run.cols["val_step"].append(run.step)
            run.cols["val_loss"].append(val_loss)
            run.cols["val_accuracy"].append(val_acc)
        if epoch_over:
            self.end_epoch(run, scores(full, run.val_y))

    def time_chunk(self, run: Run, first: int, elapsed: float, call_rate: float, samples: int) -> None:
        """Count the chunk's time; the first call also traces the graph, so it does not count in the rates."""
        run.seconds += elapsed
        if first > 1:
            run.window.append((samples, elapsed))
            run.call_rate = call_rate if not run.call_rate else 0.5 * run.call_rate + 0.5 * call_rate
        else:
            settle_heap()  # TensorFlow, the model and the traced graph are loaded now: freeze them

    def after_chunk(self, run: Run) -> None:
        """Finish the run, pause it, or tell the page how far it got."""
        if run.settings.epochs and run.epochs_done >= run.settings.epochs:
            self.want_train = False
            self.end_run(Status.FINISHED, f"Finished {plural(run.epochs_done, 'epoch')}." + self.warning_text())
        elif not self.want_train and not self.pending_steps:
            self.slot.release()
            self.set_status(Status.PAUSED, "")
        else:
            run.message = self.live_message()
            self.publish()

    def end_epoch(self, run: Run, validation: tuple[float, float]) -> None:
        epoch = np.concatenate(run.epoch_losses, axis=1)
        val_loss, val_acc = validation
        run.cols["epoch_step"].append(run.step)
        run.cols["epoch_loss"].append(float(epoch[0].mean()))
        run.cols["epoch_accuracy"].append(float(epoch[1].mean()))
        run.cols["epoch_val_loss"].append(val_loss)
        run.cols["epoch_val_accuracy"].append(val_acc)
        run.epoch_losses = []
        run.epochs_done += 1
        run.warning = run.warning or stalled(run.step, run.cols["epoch_loss"], run.cols["epoch_val_accuracy"]) or ""

    def live_message(self) -> str:
        """While training: empty, or the plain warning that the run has stopped learning."""
        warning = self.run.warning
        return f"Training, but it has stopped learning: {warning}. Try a smaller learning rate." if warning else ""

    def warning_text(self) -> str:
        warning = self.run.warning
        return f" It had stopped learning: {warning}. Try a smaller learning rate." if warning else ""

    def diverged(self, run: Run, problem: str, good_step: int, bad_step: int) -> None:
        """Stop, and put the last finite weights (from before this chunk) back into the model. The run
        then stands at the step of those weights, so its label and its weights tell the same step."""
        run.restore(run.network)
        self.want_train, self.pending_steps = False, 0
        run.step = good_step
        self.end_run(Status.DIVERGED, f"Training diverged at step {bad_step:,}: {problem}. The run is kept at step "
                                      f"{good_step:,}, with the last weights from before it blew up. "
                                      "Try a smaller learning rate.")

    def end_run(self, status: Status, message: str) -> None:
        run = self.run
        self.slot.release()
        run.evaluation = evaluation.evaluate(run.network, run.test_x, run.test_y, run.test_positions)
        run.status, run.message = status, message
        record = RunRecord(run.run_id, run.name, run.settings, run.dataset.name, run.n, status.value, message,
                           run.step, run.seconds, run.history, run.evaluation)
        self.save(record, run)
        self.send(("record", record))
        self.publish()

    def save(self, record: RunRecord, run: Run) -> None:
        """Keep the ended run on disk (before publishing, so the Runs page lists it once it shows as
        ended). A failed save is told in the run's message; it never fails the run."""
        if self.store is None:
            return
        try:
            self.store.save(record, run.network)
            run.message += " It is saved under Runs & models."
        except RunStoreError as exc:  # the store's own plain words, without a path
            LOG.exception("could not save the run")
            run.message += f" It could not be saved: {exc}"[:300]
        except Exception:  # noqa: BLE001 - e.g. a full disk: training results stay usable; details in the log
            LOG.exception("could not save the run")
            run.message += " It could not be saved; the details are in the server's log."

    # ---- publishing ----------------------------------------------------------------------------
    def set_status(self, status: Status, message: str) -> None:
        if self.run is not None:
            if (self.run.status, self.run.message) == (status, message):
                return  # nothing new to tell readers
            self.run.status, self.run.message = status, message
        self.publish()

    def queued_message(self) -> str:
        return queued_message(self.slot.limit, self.slot.position())

    def add_probe_row(self) -> None:
        run = self.run
        if self.probe_image is not None and run is not None and run.network is not None:
            if not self.probe_rows or self.probe_rows[-1][0] != run.step:
                self.probe_rows.append((run.step, forward(run.network, self.probe_image).probs))

    def probe(self) -> Probe | None:
        if not self.probe_rows or self.probe_image is None:
            return None
        return Probe(self.probe_image, np.array([r[0] for r in self.probe_rows]),
                     np.array([r[1] for r in self.probe_rows]))

    def run_values(self, run: Run) -> dict:
        """A snapshot's fields for a run."""
        rate, target = run.rate, run.target_samples
        eta = (max(0, target - run.samples) / rate if rate else None) if target else None
        return dict(run_id=run.run_id, name=run.name, settings=run.settings, dataset=run.dataset.name,
                    status=run.status, message=run.message, network=run.network, step=run.step,
                    optimizer_steps=run.optimizer_steps(), steps_per_epoch=run.steps_per_epoch,
                    samples_seen=run.samples, seconds=run.seconds, samples_per_s=rate,
                    eta_seconds=0.0 if run.status == Status.FINISHED else eta, history=run.history,
                    probe=self.probe(), evaluation=run.evaluation,
                    queue_position=self.slot.position() if run.status == Status.QUEUED else None)

    def publish(self, **overrides) -> None:
        """Build a new immutable Snapshot and send it to the server, where it replaces the previous one."""
        run = self.run
        if run is None:
            values = dict(run_id="", name="", settings=self.snapshot.settings,
                          dataset=self.dataset.name if self.dataset else "",
                          status=self.snapshot.status, message=self.snapshot.message)
        else:
            values = self.run_values(run)
        values.update(overrides)
        self.snapshot = Snapshot(next(self.versions), **values)
        self.send(("snapshot", self.snapshot))
