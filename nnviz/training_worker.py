"""The training worker process: one run's state (_Run) and the loop that applies commands and trains (_Engine).

It runs in its own process (started by training_thread, from a forkserver that has TensorFlow loaded),
so TensorFlow's memory and CPU stay out of the Streamlit server. Only this process touches the Keras
model. It trains in chunks of K batches (one compiled call, see train_steps), applies the server's
commands between chunks, and after each chunk sends a new immutable Snapshot up the pipe, where it
replaces the previous one. The server-wide cap on concurrent runs stays in the server: the worker asks
it for a slot over the same pipe (_Slot). Importing this module does not import TensorFlow.

Pipe messages, worker → server: ("snapshot", Snapshot), ("record", RunRecord), ("done", seq),
("idle", commands received so far), ("acquire", timeout), ("position",), ("release",). Server → worker:
("cmd", name, arg, seq) and ("reply", value) answering acquire and position. The server's end closing (the server exited
or was killed) ends the worker: it never outlives its server.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import math
import os
import time
import uuid
from dataclasses import dataclass, replace

import numpy as np

from nnviz import data, evaluation
from nnviz.data import Dataset
from nnviz.network import Network, forward
from nnviz.run_record import ENDED, History, RunRecord
from nnviz.run_store import RunStoreError
from nnviz.settings import Settings
from nnviz.training_state import (
    ACTIVE,
    MAX_CHUNK,
    RATE_WINDOW,
    VAL_PER_EPOCH,
    VAL_SUBSET,
    Probe,
    Snapshot,
    diverged_at,
    divergence,
    held_out_split,
    plural,
    queued_message,
    settle_heap,
    stalled,
)

LOG = logging.getLogger("nnviz.training")
NICENESS = 10     # added to the worker's scheduling priority: page reruns in the server get a core first
# The datasets a worker loads itself, by name (the server sends the name, not 50 MB of pixels).
LOADERS = {"MNIST sample": data.load_sample, "Full MNIST": data.load_full_mnist}


class Gone(Exception):
    """The server's end of the pipe closed: the worker must end at once."""


@dataclass(frozen=True)
class Start:
    """What a new worker needs besides its first command."""

    chunk_seconds: float
    limit: int                    # the server's cap on concurrent runs, for the queued message
    store: object = None          # a run_store.RunStore (just a folder path), or None
    probe: np.ndarray | None = None


def niceness(environ=os.environ) -> int:
    """How much lower than the server's a worker's priority is: env NNVIZ_WORKER_NICENESS (0-19), else
    NICENESS. 0 suits a machine that only trains (or a test sharing its cores with unrelated work)."""
    try:
        return min(19, max(0, int(environ.get("NNVIZ_WORKER_NICENESS", NICENESS))))
    except ValueError:
        return NICENESS


def dataset_ref(dataset: Dataset) -> Dataset | str:
    """How to send a dataset to a worker: the bundled sample and full MNIST by name, anything else whole."""
    return dataset.name if dataset.name in LOADERS else dataset


def load_dataset(ref: Dataset | str) -> Dataset:
    return LOADERS[ref]() if isinstance(ref, str) else ref


def main(conn, start: Start) -> None:
    """The worker process's entry point."""
    with contextlib.suppress(OSError):
        os.nice(niceness())
    engine = _Engine(conn, start)
    try:
        engine.main()
    except Gone:
        pass  # the server is gone: nobody is left to tell
    finally:
        conn.close()


class _Slot:
    """The server's Pool, seen from the worker: every call is a message to the server's reader thread.
    A granted slot is remembered, so a training loop asking again each chunk costs no round trip."""

    build_lock = contextlib.nullcontext()  # a process of its own: no other build shares Keras's global state

    def __init__(self, engine: _Engine, limit: int):
        self.engine, self.limit, self.held = engine, limit, False

    def acquire(self, _owner, timeout: float = 0.0) -> bool:
        if not self.held:
            self.held = bool(self.engine.ask(("acquire", timeout)))
        return self.held

    def release(self, _owner) -> None:
        # Always told: the server may hold a slot for this run that the worker never asked for (taken
        # when Train was pressed, to keep first come, first served).
        self.held = False
        self.engine.send(("release",))

    def position(self, _owner) -> int | None:
        return None if self.held else self.engine.ask(("position",))


class _Run:
    """One run's mutable state; lives only inside the worker."""

    def __init__(self, number: int, settings: Settings, dataset: Dataset, pool: _Slot, run_id: str = ""):
        from nnviz import model as keras_model  # deferred: a forkserver preloads it, a server never needs it
        from nnviz import train_steps

        n = min(settings.train_size, len(dataset.y_train))
        self.settings = settings.replace(train_size=n)
        self.number = number
        self.run_id, self.name, self.dataset = run_id or uuid.uuid4().hex[:12], f"Run {number}", dataset
        with pool.build_lock:  # Keras seeds its initialisers from global state: one build at a time
            self.model = keras_model.build_model(settings.width, settings.dropout, settings.activation,
                                                 settings.learning_rate, seed=settings.seed)
        self.train = train_steps.compile_steps(self.model, dataset.x_train[:n], dataset.y_train[:n])
        self.optimizer_steps = lambda: train_steps.optimizer_steps(self.model)
        val, test = held_out_split(len(dataset.y_test))
        self.val_x, self.val_y = data.as_float(dataset.x_test[val]), dataset.y_test[val].astype(np.int64)
        self.test_positions = test
        self.test_x, self.test_y = data.as_float(dataset.x_test[test]), dataset.y_test[test]
        self.n, self.batch = n, min(settings.batch_size, n)
        self.steps_per_epoch = math.ceil(n / self.batch)
        self.checkpoints = sorted({max(1, round(self.steps_per_epoch * j / VAL_PER_EPOCH))
                                   for j in range(1, VAL_PER_EPOCH + 1)})
        self.rng = np.random.default_rng(settings.seed)
        self.order: np.ndarray | None = None
        self.position = 0            # batches done in this epoch
        self.epochs_done = 0
        self.step = self.samples = 0
        self.seconds = 0.0
        self.window: collections.deque = collections.deque(maxlen=RATE_WINDOW)
        self.cols = {name: [] for group in History.GROUPS for name in group}
        self.epoch_losses: list[np.ndarray] = []
        self.network = self.to_network()
        self.status, self.message = "ready", ""
        self.warning = ""            # why the run seems to have stopped learning, once it does
        self.evaluation: evaluation.Evaluation | None = None
        self.call_rate = 0.0         # batches per second inside the compiled call: sizes the next chunk

    def to_network(self) -> Network:
        from nnviz import model as keras_model

        return keras_model.to_network(self.model)

    def plan(self, wanted: int) -> np.ndarray:
        """The next batches of this epoch, up to `wanted`, stopping at a checkpoint; a short last
        batch runs on its own (a call takes batches of one size)."""
        if self.order is None:
            self.order = self.rng.permutation(self.n)
        end = min(self.position + wanted, next(c for c in self.checkpoints if c > self.position))
        partial = self.n % self.batch != 0
        if partial and end == self.steps_per_epoch and self.position < self.steps_per_epoch - 1:
            end -= 1
        rows = self.order[self.position * self.batch:end * self.batch]
        return rows.reshape(end - self.position, -1).astype(np.int32)

    @property
    def history(self) -> History:
        return History(self.steps_per_epoch, **self.cols)

    @property
    def target_samples(self) -> int | None:
        return self.settings.epochs * self.n if self.settings.epochs else None


class _Engine:
    """The worker's loop and its state. Commands arrive on the pipe; snapshots leave by it."""

    def __init__(self, conn, start: Start):
        self.conn, self.chunk_seconds, self.store = conn, start.chunk_seconds, start.store
        self.pool = _Slot(self, start.limit)
        self.inbox: collections.deque = collections.deque()  # commands that came while waiting for a reply
        self.probe_image: np.ndarray | None = start.probe
        self.probe_rows: list[tuple[int, np.ndarray]] = []
        self.versions = itertools.count(1)
        self.dataset: Dataset | None = None
        self.run: _Run | None = None
        self.want_train = False
        self.pending_steps = 0
        self.closing = False
        self.retired = False
        self.close_reason = ""
        self.received = 0            # commands received: the server retires an idle worker only if it sent no more
        self.told_idle = False
        self.snapshot = Snapshot(0, "", "", Settings(), "", "starting", "Preparing the model…")

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
        return not self.busy() and (run is None or run.step == 0 or run.status in ENDED)

    def main(self) -> None:
        try:
            while not self.closing:
                if self.idle() and not self.told_idle:
                    self.told_idle = True  # the server answers with "retire" if it sent nothing since
                    self.send(("idle", self.received))
                self.handle(block=not self.busy())
                if self.closing or not self.busy():
                    continue
                if not self.pool.acquire(self, timeout=0.2):
                    self.set_status("queued", self.queued_message())
                    continue
                self.guarded(self.train_chunk)
        finally:
            if not self.retired:
                with contextlib.suppress(Gone):
                    self.pool.release(self)
                    self.publish(status="closed", message=self.close_reason or self.snapshot.message)

    def handle(self, block: bool) -> None:
        """Apply queued commands: wait for one when idle, then drain the rest."""
        message = self.next_command(block)
        while message is not None:
            _, name, arg, seq = message
            self.received += 1
            self.told_idle = False
            self.guarded(getattr(self, f"on_{name}"), arg)
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
        self.pool.release(self)
        run = self.run
        try:
            if run is not None and run.step > 0 and run.status not in ENDED:
                return self.end_run("failed", text)
        except Gone:
            raise
        except Exception:  # noqa: BLE001 - e.g. the test digits cannot be evaluated either
            LOG.exception("could not record the failed run")
        if run is not None:
            run.status, run.message = "failed", text
        try:
            self.publish(status="failed", message=text)
        except Gone:
            raise
        except Exception:  # noqa: BLE001 - fall back to the last snapshot, relabelled
            LOG.exception("could not publish the failure")
            self.snapshot = replace(self.snapshot, version=next(self.versions), status="failed", message=text)
            self.send(("snapshot", self.snapshot))

    # ---- commands -------------------------------------------------------------------------
    def on_play(self, _=None) -> None:
        if self.run is None or self.run.status in ENDED:
            return
        self.want_train, self.pending_steps = True, 0
        if self.pool.acquire(self, timeout=0.0):
            self.set_status("training", "")
        else:
            self.set_status("queued", self.queued_message())

    def on_pause(self, _=None) -> None:
        self.want_train, self.pending_steps = False, 0
        self.pool.release(self)
        if self.run is not None and self.run.status in ACTIVE:
            self.set_status("paused" if self.run.step else "ready", "")

    def on_step(self, _=None) -> None:
        if self.run is not None and not self.want_train and self.run.status not in ENDED:
            self.pending_steps += 1

    def on_stop(self, _=None) -> None:
        self.want_train, self.pending_steps = False, 0
        self.pool.release(self)
        if self.run is not None and self.run.step > 0 and self.run.status not in ENDED:
            self.end_run("stopped", f"Stopped by you after {plural(self.run.step, 'step')}.")
        elif self.run is not None and self.run.status in ACTIVE:
            self.set_status("ready", "")

    def on_reset(self, arg) -> None:
        """A new run: (settings, dataset reference or None, its number)."""
        settings, ref, number = arg
        self.on_stop()
        if ref is not None or self.dataset is None:
            self.dataset = load_dataset(ref)
        settings = settings or (self.run.settings if self.run else self.snapshot.settings)
        self.run = None
        self.probe_rows = []
        self.publish(status="starting", message="Preparing the model…", settings=settings, network=None)
        self.run = _Run(number, settings, self.dataset, self.pool)
        waiting = self.next_command(block=False)
        if waiting is not None:
            self.inbox.appendleft(waiting)
        if waiting is None or waiting[1] != "play":  # Train, pressed meanwhile, tells the page itself
            self.publish()

    def on_rebuild(self, arg) -> None:
        """Build again a run that never trained (its last worker ended while it waited): the same
        seed gives the same weights, and the server already shows them, so nothing is published."""
        settings, ref, number, run_id = arg
        self.dataset = load_dataset(ref)
        self.run = _Run(number, settings, self.dataset, self.pool, run_id)
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
        self.pool.release(self)
        if self.run is not None and self.run.step > 0 and self.run.status not in ENDED:
            self.end_run("stopped", reason or f"Stopped after {plural(self.run.step, 'step')}.")

    # ---- training -----------------------------------------------------------------------------
    def train_chunk(self) -> None:
        run = self.run
        self.set_status("training", "Compiling the training step…" if run.step == 0 else self.live_message())
        # Sized from the call alone, not the per-chunk extras (validation, publishing): those would
        # otherwise keep the chunk at one batch on a busy server, where every chunk costs more.
        wanted = 1 if self.pending_steps else max(1, min(MAX_CHUNK, round(run.call_rate * self.chunk_seconds)))
        if run.step == 0 and not self.pending_steps:
            wanted = 8  # the first call also traces the graph; keep it short
        batches = run.plan(wanted)
        start = time.perf_counter()
        losses, accuracies = run.train(batches)
        train_time = time.perf_counter() - start
        problem = divergence(losses)
        network = None if problem else run.to_network()
        if network is not None and not all(np.isfinite(a).all() for a in (network.w1, network.b1,
                                                                             network.w2, network.b2)):
            problem, network = "the weights overflowed to infinity", None
        first = run.step + 1
        run.step += len(batches)
        run.samples += batches.size
        run.cols["step"] += range(first, run.step + 1)
        run.cols["loss"] += losses.tolist()
        run.cols["accuracy"] += accuracies.tolist()
        run.epoch_losses.append(np.stack([losses, accuracies]))
        run.position += len(batches)
        if self.pending_steps:
            self.pending_steps -= 1
        if problem:
            bad = diverged_at(losses)
            self.diverged(run, problem, first - 1, first + (len(batches) - 1 if bad is None else bad))
            return
        run.network = network
        if run.position in run.checkpoints:
            val_loss, val_acc = evaluation.loss_and_accuracy(network, run.val_x[:VAL_SUBSET], run.val_y[:VAL_SUBSET])
            run.cols["val_step"].append(run.step)
            run.cols["val_loss"].append(val_loss)
            run.cols["val_accuracy"].append(val_acc)
        if run.position == run.steps_per_epoch:
            self.end_epoch(run, network)
        elapsed = time.perf_counter() - start
        run.seconds += elapsed
        if first > 1:  # the first call also traces the graph: not a fair rate
            run.window.append((batches.size, elapsed))
            rate = len(batches) / max(train_time, 1e-6)
            run.call_rate = rate if not run.call_rate else 0.5 * run.call_rate + 0.5 * rate
        else:
            settle_heap()  # TensorFlow, the model and the traced graph are loaded now: freeze them
        self.add_probe_row()
        if run.settings.epochs and run.epochs_done >= run.settings.epochs:
            self.want_train = False
            self.end_run("finished", f"Finished {plural(run.epochs_done, 'epoch')}." + self.warning_text())
        elif not self.want_train and not self.pending_steps:
            self.pool.release(self)
            self.set_status("paused", "")
        else:
            run.message = self.live_message()
            self.publish()

    def end_epoch(self, run: _Run, network: Network) -> None:
        epoch = np.concatenate(run.epoch_losses, axis=1)
        val_loss, val_acc = evaluation.loss_and_accuracy(network, run.val_x, run.val_y)
        run.cols["epoch_step"].append(run.step)
        run.cols["epoch_loss"].append(float(epoch[0].mean()))
        run.cols["epoch_accuracy"].append(float(epoch[1].mean()))
        run.cols["epoch_val_loss"].append(val_loss)
        run.cols["epoch_val_accuracy"].append(val_acc)
        run.epoch_losses, run.order, run.position = [], None, 0
        run.epochs_done += 1
        run.warning = run.warning or stalled(run.step, run.cols["epoch_loss"], run.cols["epoch_val_accuracy"]) or ""

    def live_message(self) -> str:
        """While training: empty, or the plain warning that the run has stopped learning."""
        warning = self.run.warning
        return f"Training, but it has stopped learning: {warning}. Try a smaller learning rate." if warning else ""

    def warning_text(self) -> str:
        warning = self.run.warning
        return f" It had stopped learning: {warning}. Try a smaller learning rate." if warning else ""

    def diverged(self, run: _Run, problem: str, good_step: int, bad_step: int) -> None:
        """Stop, and put the last finite weights (from before this chunk) back into the model. The run
        then stands at the step of those weights, so its label and its weights tell the same step."""
        net = run.network
        run.model.get_layer("hidden").set_weights([net.w1, net.b1])
        run.model.get_layer("logits").set_weights([net.w2, net.b2])
        self.want_train, self.pending_steps = False, 0
        run.step = good_step
        self.end_run("diverged", f"Training diverged at step {bad_step:,}: {problem}. The run is kept at step "
                                 f"{good_step:,}, with the last weights from before it blew up. "
                                 "Try a smaller learning rate.")

    def end_run(self, status: str, message: str) -> None:
        run = self.run
        self.pool.release(self)
        run.evaluation = evaluation.evaluate(run.network, run.test_x, run.test_y, run.test_positions)
        run.status, run.message = status, message
        record = RunRecord(run.run_id, run.name, run.settings, run.dataset.name, run.n, status, message,
                           run.step, run.seconds, run.history, run.evaluation)
        self.save(record, run)
        self.send(("record", record))
        self.publish()

    def save(self, record: RunRecord, run: _Run) -> None:
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
    def set_status(self, status: str, message: str) -> None:
        if self.run is not None:
            if (self.run.status, self.run.message) == (status, message):
                return  # nothing new to tell readers
            self.run.status, self.run.message = status, message
        self.publish()

    def queued_message(self) -> str:
        return queued_message(self.pool.limit, self.pool.position(self))

    def add_probe_row(self) -> None:
        run = self.run
        if self.probe_image is not None and run is not None and run.network is not None:
            if not self.probe_rows or self.probe_rows[-1][0] != run.step:
                self.probe_rows.append((run.step, forward(run.network, self.probe_image).probs))

    def publish(self, **overrides) -> None:
        """Build a new immutable Snapshot and send it to the server, where it replaces the previous one."""
        run = self.run
        if run is None:
            values = dict(run_id="", name="", settings=self.snapshot.settings,
                          dataset=self.dataset.name if self.dataset else "",
                          status=self.snapshot.status, message=self.snapshot.message)
        else:
            rate = sum(w[0] for w in run.window) / max(1e-9, sum(w[1] for w in run.window)) if run.window else 0.0
            target = run.target_samples
            eta = (max(0, target - run.samples) / rate if rate else None) if target else None
            probe = None
            if self.probe_rows and self.probe_image is not None:
                probe = Probe(self.probe_image, np.array([r[0] for r in self.probe_rows]),
                              np.array([r[1] for r in self.probe_rows]))
            values = dict(run_id=run.run_id, name=run.name, settings=run.settings, dataset=run.dataset.name,
                          status=run.status, message=run.message, network=run.network, step=run.step,
                          optimizer_steps=run.optimizer_steps(), steps_per_epoch=run.steps_per_epoch,
                          samples_seen=run.samples, seconds=run.seconds, samples_per_s=rate,
                          eta_seconds=0.0 if run.status == "finished" else eta, history=run.history,
                          probe=probe, evaluation=run.evaluation,
                          queue_position=self.pool.position(self) if run.status == "queued" else None)
        values.update(overrides)
        self.snapshot = Snapshot(next(self.versions), **values)
        self.send(("snapshot", self.snapshot))

