"""The trainer thread: one run's state (_Run) and the loop that applies commands and trains (_Engine).

Only this thread touches the Keras model. It trains in chunks of K batches (one compiled call, see
train_steps), applies queued commands between chunks, and after each chunk publishes a new Snapshot
by replacing one reference, so readers never lock and never see half-updated data.
"""

from __future__ import annotations

import collections
import itertools
import logging
import math
import queue
import threading
import time
import uuid
from dataclasses import replace

import numpy as np

from nnviz import data, evaluation
from nnviz.data import Dataset
from nnviz.network import Network, forward
from nnviz.run_record import ENDED, History, RunRecord
from nnviz.settings import Settings
from nnviz.training_state import (
    ACTIVE,
    MAX_CHUNK,
    RATE_WINDOW,
    VAL_PER_EPOCH,
    VAL_SUBSET,
    Pool,
    Probe,
    Snapshot,
    divergence,
    held_out_split,
    settle_heap,
)

LOG = logging.getLogger("nnviz.training")


class _Run:
    """One run's mutable state; lives only inside the trainer thread."""

    def __init__(self, number: int, settings: Settings, dataset: Dataset, pool: Pool):
        from nnviz import model as keras_model  # deferred: importing this module must not load TensorFlow
        from nnviz import train_steps

        n = min(settings.train_size, len(dataset.y_train))
        self.settings = settings.replace(train_size=n)
        self.run_id, self.name, self.dataset = uuid.uuid4().hex[:12], f"Run {number}", dataset
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
    """The trainer thread and its state. Only the thread touches the model and the _Run."""

    def __init__(self, dataset: Dataset, settings: Settings, pool: Pool, chunk_seconds: float, store=None):
        self.dataset, self.pool, self.chunk_seconds = dataset, pool, chunk_seconds
        self.store = store  # a run_store.RunStore that keeps every ended run on disk, or None
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.published_cond = threading.Condition()
        self.published: collections.deque = collections.deque(maxlen=10_000)
        self.records: tuple[RunRecord, ...] = ()
        self.probe_image: np.ndarray | None = None
        self.probe_rows: list[tuple[int, np.ndarray]] = []
        self.numbers = itertools.count(1)
        self.versions = itertools.count(1)
        self.run: _Run | None = None
        self.want_train = False
        self.pending_steps = 0
        self.closing = False
        self.close_reason = ""
        self.snapshot = Snapshot(0, "", "", settings, dataset.name, "starting", "Preparing the model…")
        self.inbox.put(("reset", (settings, dataset), None))
        self.thread = threading.Thread(target=self.main, name="nnviz-trainer", daemon=True)

    # ---- called from other threads -------------------------------------------------------
    def post(self, name: str, arg) -> threading.Event:
        done = threading.Event()
        self.inbox.put((name, arg, done))
        return done

    def command(self, name: str, arg, wait: float) -> Snapshot:
        done = self.post(name, arg)
        if threading.current_thread() is not self.thread and self.thread.is_alive():
            done.wait(wait)
        return self.snapshot

    # ---- the thread ---------------------------------------------------------------------
    def main(self) -> None:
        try:
            while not self.closing:
                busy = self.run is not None and not self.closing and (self.want_train or self.pending_steps > 0)
                self.handle(block=not busy)
                if self.closing or not (self.want_train or self.pending_steps > 0) or self.run is None:
                    continue
                if not self.pool.acquire(self, timeout=0.2):
                    self.set_status("queued", self.queued_message())
                    continue
                self.guarded(self.train_chunk)
        finally:
            self.pool.release(self)
            try:
                self.publish(status="closed", message=self.close_reason or self.snapshot.message)
            except Exception:  # noqa: BLE001 - the thread is ending anyway; readers keep the last snapshot
                LOG.exception("could not publish the closing snapshot")
            # The last snapshot has what pages show. Drop the Keras model and the run's float copies of
            # the held-out digits (~7 MB) now, not when Streamlit forgets the closed session minutes later.
            self.run = None

    def handle(self, block: bool) -> None:
        """Apply queued commands: wait for one when idle, then drain the rest."""
        try:
            item = self.inbox.get() if block else self.inbox.get_nowait()
        except queue.Empty:
            return
        while True:
            name, arg, done = item
            self.guarded(getattr(self, f"on_{name}"), arg)
            if done is not None:
                done.set()
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                return

    def guarded(self, action, *args) -> None:
        """Run an action; any exception fails the run with a message instead of killing the thread."""
        try:
            action(*args)
        except Exception as exc:  # noqa: BLE001 - shown on the page; the app must stay usable
            LOG.exception("trainer failed")
            self.fail(f"Training failed: {type(exc).__name__}: {exc}"[:500])

    def fail(self, text: str) -> None:
        """End the run as failed (recorded, if it trained) and say why; never raises."""
        self.want_train, self.pending_steps = False, 0
        self.pool.release(self)
        run = self.run
        try:
            if run is not None and run.step > 0 and run.status not in ENDED:
                return self.end_run("failed", text)
        except Exception:  # noqa: BLE001 - e.g. the test digits cannot be evaluated either
            LOG.exception("could not record the failed run")
        if run is not None:
            run.status, run.message = "failed", text
        try:
            self.publish(status="failed", message=text)
        except Exception:  # noqa: BLE001 - fall back to the last snapshot, relabelled
            LOG.exception("could not publish the failure")
            self.snapshot = replace(self.snapshot, version=next(self.versions), status="failed", message=text)

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
            self.end_run("stopped", f"Stopped by you after {self.run.step:,} steps.")
        elif self.run is not None and self.run.status in ACTIVE:
            self.set_status("ready", "")

    def on_reset(self, arg) -> None:
        settings, dataset = arg
        self.on_stop()
        self.dataset = dataset or self.dataset
        settings = settings or (self.run.settings if self.run else self.snapshot.settings)
        self.run = None
        self.probe_rows = []
        self.publish(status="starting", message="Preparing the model…", settings=settings, network=None)
        self.run = _Run(next(self.numbers), settings, self.dataset, self.pool)
        self.publish()

    def on_probe(self, image) -> None:
        self.probe_image, self.probe_rows = image, []
        if self.run is not None:
            self.add_probe_row()
            self.publish()

    def on_close(self, reason) -> None:
        self.close_reason = reason or ""
        self.closing = True
        self.want_train, self.pending_steps = False, 0
        self.pool.release(self)
        if self.run is not None and self.run.step > 0 and self.run.status not in ENDED:
            self.end_run("stopped", reason or f"Stopped after {self.run.step:,} steps.")

    # ---- training -----------------------------------------------------------------------------
    def train_chunk(self) -> None:
        run = self.run
        if run.status != "training" or (run.message and run.step):
            self.set_status("training", "Compiling the training step…" if run.step == 0 else "")
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
            self.diverged(run, problem, first - 1)
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
            self.end_run("finished", f"Finished {run.epochs_done} epochs.")
        elif not self.want_train and not self.pending_steps:
            self.pool.release(self)
            self.set_status("paused", "")
        else:
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

    def diverged(self, run: _Run, problem: str, good_step: int) -> None:
        """Stop, and put the last finite weights (from before this chunk) back into the model."""
        net = run.network
        run.model.get_layer("hidden").set_weights([net.w1, net.b1])
        run.model.get_layer("logits").set_weights([net.w2, net.b2])
        self.want_train, self.pending_steps = False, 0
        self.end_run("diverged", f"Training diverged at step {run.step:,}: {problem}. The weights from "
                                 f"step {good_step:,}, before it blew up, are kept. Try a smaller learning rate.")

    def end_run(self, status: str, message: str) -> None:
        run = self.run
        self.pool.release(self)
        run.evaluation = evaluation.evaluate(run.network, run.test_x, run.test_y, run.test_positions)
        run.status, run.message = status, message
        record = RunRecord(run.run_id, run.name, run.settings, run.dataset.name, run.n, status, message,
                           run.step, run.seconds, run.history, run.evaluation)
        self.records = (*self.records, record)
        self.save(record, run)
        self.publish()

    def save(self, record: RunRecord, run: _Run) -> None:
        """Keep the ended run on disk (before publishing, so the Runs page lists it once it shows as
        ended). A failed save is told in the run's message; it never fails the run."""
        if self.store is None:
            return
        try:
            with self.pool.build_lock:  # saving builds a Keras model: never alongside a seeded build
                self.store.save(record, run.network)
            run.message += " It is saved under Runs & models."
        except Exception as exc:  # noqa: BLE001 - e.g. a full or read-only disk: training results stay usable
            LOG.exception("could not save the run")
            run.message += f" It could not be saved to disk ({type(exc).__name__}: {exc})."[:300]

    # ---- publishing ----------------------------------------------------------------------------
    def set_status(self, status: str, message: str) -> None:
        if self.run is not None:
            if (self.run.status, self.run.message) == (status, message):
                return  # nothing new to tell readers
            self.run.status, self.run.message = status, message
        self.publish()

    def queued_message(self) -> str:
        position = self.pool.position(self)
        ahead = "you are next" if position in (None, 1) else f"{position - 1} other runs are ahead of you"
        return (f"Queued: this server trains at most {self.pool.limit} runs at once, and they are all busy; "
                f"{ahead}. Training starts by itself when a slot frees up.")

    def add_probe_row(self) -> None:
        run = self.run
        if self.probe_image is not None and run is not None and run.network is not None:
            if not self.probe_rows or self.probe_rows[-1][0] != run.step:
                self.probe_rows.append((run.step, forward(run.network, self.probe_image).probs))

    def publish(self, **overrides) -> None:
        """Build a new immutable Snapshot and swap it in with one assignment."""
        run = self.run
        if run is None:
            values = dict(run_id="", name="", settings=self.snapshot.settings, dataset=self.dataset.name,
                          status=self.snapshot.status, message=self.snapshot.message)
        else:
            rate = sum(w[0] for w in run.window) / max(1e-9, sum(w[1] for w in run.window)) if run.window else 0.0
            target = run.target_samples
            eta = (max(0, target - run.samples) / rate if rate else None) if target else None
            probe = None
            if self.probe_rows and self.probe_image is not None:
                probe = Probe(self.probe_image, np.array([r[0] for r in self.probe_rows]),
                              np.array([r[1] for r in self.probe_rows]))
                for array in (probe.image, probe.step, probe.probs):
                    array.setflags(write=False)
            values = dict(run_id=run.run_id, name=run.name, settings=run.settings, dataset=run.dataset.name,
                          status=run.status, message=run.message, network=run.network, step=run.step,
                          optimizer_steps=run.optimizer_steps(), steps_per_epoch=run.steps_per_epoch,
                          samples_seen=run.samples, seconds=run.seconds, samples_per_s=rate,
                          eta_seconds=0.0 if run.status == "finished" else eta, history=run.history,
                          probe=probe, evaluation=run.evaluation,
                          queue_position=self.pool.position(self) if run.status == "queued" else None)
        values.update(overrides)
        snapshot = Snapshot(next(self.versions), **values)
        with self.published_cond:
            self.snapshot = snapshot  # the one reference readers follow
            self.published.append(time.monotonic())
            self.published_cond.notify_all()
