"""Evaluate a network on held-out digits: loss, accuracy, confusion matrix and its mistakes (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.network import Network, cross_entropy, forward


def outputs(net: Network, images: np.ndarray, batch: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) images in [0, 1] → (n, 10) logits and probabilities, in batches to bound memory on full MNIST."""
    logit, probs = np.empty((len(images), 10), np.float32), np.empty((len(images), 10), np.float32)
    for start in range(0, len(images), batch):
        acts = forward(net, images[start:start + batch])
        logit[start:start + batch], probs[start:start + batch] = acts.logits, acts.probs
    return logit, probs


def logits(net: Network, images: np.ndarray, batch: int = 2048) -> np.ndarray:
    return outputs(net, images, batch)[0]


def loss_and_accuracy(net: Network, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    z = logits(net, images)
    return float(cross_entropy(z, labels).mean()), float((z.argmax(axis=1) == labels).mean())


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted digit."""
    flat = np.asarray(labels, np.int64) * 10 + np.asarray(predictions, np.int64)
    return np.bincount(flat, minlength=100).reshape(10, 10)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """How a network did on the test digits: every prediction, so any confusion cell can be listed."""

    indices: np.ndarray      # (n,) positions of the digits in the dataset's x_test
    labels: np.ndarray       # (n,) true digits
    predictions: np.ndarray  # (n,) predicted digits
    confidence: np.ndarray   # (n,) probability the network gave its prediction

    def __post_init__(self):
        for array in (self.indices, self.labels, self.predictions, self.confidence):
            array.setflags(write=False)

    @property
    def accuracy(self) -> float:
        return float((self.labels == self.predictions).mean()) if len(self.labels) else float("nan")

    @property
    def confusion(self) -> np.ndarray:
        return confusion_matrix(self.labels, self.predictions)

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Positions (into x_test) of the digits with this true label that were predicted as `predicted`,
        most confident first."""
        hit = np.flatnonzero((self.labels == true) & (self.predictions == predicted))
        return self.indices[hit[np.argsort(-self.confidence[hit], kind="stable")]]

    def mistakes(self, limit: int | None = None) -> np.ndarray:
        """Positions of misclassified digits, the most confidently wrong first."""
        wrong = np.flatnonzero(self.labels != self.predictions)
        return self.indices[wrong[np.argsort(-self.confidence[wrong], kind="stable")]][:limit]

    def lookup(self, index: int) -> tuple[int, int, float]:
        """(true label, prediction, confidence) of the digit at x_test position `index`."""
        [where] = np.flatnonzero(self.indices == index)
        return int(self.labels[where]), int(self.predictions[where]), float(self.confidence[where])

    def to_dict(self) -> dict:
        return {"indices": self.indices.tolist(), "labels": self.labels.tolist(),
                "predictions": self.predictions.tolist(),
                "confidence": [round(float(c), 5) for c in self.confidence]}

    @classmethod
    def from_dict(cls, d: dict) -> Evaluation:
        arrays = (np.asarray(d["indices"], np.int64), np.asarray(d["labels"], np.uint8),
                  np.asarray(d["predictions"], np.uint8), np.asarray(d["confidence"], np.float32))
        if len({len(a) for a in arrays}) != 1 or any(a.ndim != 1 for a in arrays):
            raise ValueError("an evaluation's arrays must be flat and equally long")
        return cls(*arrays)


def evaluate(net: Network, images: np.ndarray, labels: np.ndarray, indices: np.ndarray) -> Evaluation:
    """Predict every digit; images (n, 28, 28) in [0, 1], indices say where they sit in x_test."""
    z, probs = outputs(net, images)
    predictions = z.argmax(axis=1)
    return Evaluation(np.asarray(indices, np.int64).copy(), np.asarray(labels, np.uint8).copy(),
                      predictions.astype(np.uint8), probs[np.arange(len(z)), predictions].astype(np.float32))
