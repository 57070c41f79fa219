"""One run inside a worker: its Keras model, its batch plan through the epochs, and what it has recorded."""

from __future__ import annotations

import collections
import math
import uuid

import numpy as np

from nnviz import data
from nnviz.data import Dataset
from nnviz.network import Network
from nnviz.run_record import History
from nnviz.settings import Settings
from nnviz.training.split import VAL_PER_EPOCH, held_out_split
from nnviz.training.status import Status

RATE_WINDOW = 20                  # chunks in the samples/s window


class BatchPlan:
    """Which training digits each batch takes: a fresh shuffle every epoch, cut into chunks that stop
    at each validation checkpoint (VAL_PER_EPOCH per epoch)."""

    def __init__(self, n: int, batch: int, seed: int):
        self.n, self.batch = n, min(batch, n)
        self.steps_per_epoch = math.ceil(n / self.batch)
        self.checkpoints = sorted({max(1, round(self.steps_per_epoch * j / VAL_PER_EPOCH))
                                   for j in range(1, VAL_PER_EPOCH + 1)})
        self.rng = np.random.default_rng(seed)
        self.order: np.ndarray | None = None
        self.position = 0            # batches done in this epoch

    def next(self, wanted: int) -> np.ndarray:
        """The next batches of this epoch as (k, batch) indices, k ≤ wanted, stopping at a checkpoint;
        a short last batch runs on its own (a call takes batches of one size)."""
        if self.order is None:
            self.order = self.rng.permutation(self.n)
        end = min(self.position + wanted, next(c for c in self.checkpoints if c > self.position))
        partial = self.n % self.batch != 0
        if partial and end == self.steps_per_epoch and self.position < self.steps_per_epoch - 1:
            end -= 1
        rows = self.order[self.position * self.batch:end * self.batch]
        return rows.reshape(end - self.position, -1).astype(np.int32)

    def advance(self, done: int) -> tuple[bool, bool]:
        """Count `done` batches as trained: (a validation checkpoint is reached, the epoch is over)."""
        self.position += done
        checkpoint, over = self.position in self.checkpoints, self.position == self.steps_per_epoch
        if over:
            self.order, self.position = None, 0
        return checkpoint, over


class Run:
    """One run's mutable state; lives only inside the worker."""

    def __init__(self, number: int, settings: Settings, dataset: Dataset, build_lock, run_id: str = ""):
        from nnviz import model as keras_model  # deferred: a forkserver preloads it, a server never needs it
        from nnviz.training.steps import compile_steps, optimizer_steps, weights_reader

        n = min(settings.train_size, len(dataset.y_train))
        self.settings = settings.replace(train_size=n)
        self.number = number
        self.run_id, self.name, self.dataset = run_id or uuid.uuid4().hex[:12], f"Run {number}", dataset
        with build_lock:  # Keras seeds its initialisers from global state: one build at a time
            self.model = keras_model.build_model(settings.widths, settings.dropout, settings.activation,
                                                 settings.learning_rate, seed=settings.seed)
        self.train = compile_steps(self.model, dataset.x_train[:n], dataset.y_train[:n])
        self.optimizer_steps = lambda: optimizer_steps(self.model)
        self.read_weights = weights_reader(self.model)
        self.layout = keras_model.to_network(self.model)  # its activation and dropout (the weights change)
        val, test = held_out_split(len(dataset.y_test))
        self.val_x, self.val_y = data.as_float(dataset.x_test[val]), dataset.y_test[val].astype(np.int64)
        self.test_positions = test
        self.test_x, self.test_y = data.as_float(dataset.x_test[test]), dataset.y_test[test]
        self.n = n
        self.plan = BatchPlan(n, settings.batch_size, settings.seed)
        self.epochs_done = 0
        self.step = self.samples = 0
        self.seconds = 0.0
        self.window: collections.deque = collections.deque(maxlen=RATE_WINDOW)
        self.cols = {name: [] for group in History.GROUPS for name in group}
        self.epoch_losses: list[np.ndarray] = []
        self.network = self.layout
        self.status, self.message = Status.READY, ""
        self.warning = ""            # why the run seems to have stopped learning, once it does
        self.evaluation = None       # an evaluation.Evaluation once it has ended
        self.call_rate = 0.0         # batches per second inside the compiled call: sizes the next chunk

    def to_network(self) -> Network:
        """The model's weights now, as model.to_network gives them (read in one call)."""
        return Network.of(*self.read_weights(), activation=self.layout.activation, dropout=self.layout.dropout)

    def restore(self, network: Network) -> None:
        """Put these (finite) weights back into the model (its weights in Keras's own order)."""
        self.model.set_weights(list(network.arrays()))

    @property
    def steps_per_epoch(self) -> int:
        return self.plan.steps_per_epoch

    @property
    def history(self) -> History:
        return History(self.steps_per_epoch, **self.cols)

    @property
    def target_samples(self) -> int | None:
        return self.settings.epochs * self.n if self.settings.epochs else None

    @property
    def rate(self) -> float:
        """Recent samples per second (compilation excluded)."""
        return sum(w[0] for w in self.window) / max(1e-9, sum(w[1] for w in self.window)) if self.window else 0.0

    def record(self, batches: np.ndarray, losses: np.ndarray, accuracies: np.ndarray) -> int:
        """Count a trained chunk into the curves; returns its first step."""
        first = self.step + 1
        self.step += len(batches)
        self.samples += batches.size
        self.cols["step"] += range(first, self.step + 1)
        self.cols["loss"] += losses.tolist()
        self.cols["accuracy"] += accuracies.tolist()
        self.epoch_losses.append(np.stack([losses, accuracies]))
        return first
