"""The pure network: immutable weights and a numpy forward pass that tests prove equal to Keras's.

Imports numpy only, so every view can compute activations in microseconds without calling
Keras (model.predict costs ~50 ms per call) and without touching a model another thread trains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
}


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)  # avoids overflow on big logits
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True, eq=False)
class Network:
    """Weights of Flatten → Dense(width, activation) → Dropout(rate) → Dense(10), read-only."""

    w1: np.ndarray  # (784, width)
    b1: np.ndarray  # (width,)
    w2: np.ndarray  # (width, 10)
    b2: np.ndarray  # (10,)
    activation: str = "relu"
    dropout: float = 0.2

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {self.activation!r}")
        width = self.b1.shape[0]
        if self.w1.shape != (784, width) or self.w2.shape != (width, 10) or self.b2.shape != (10,):
            raise ValueError("Weights do not have the shapes of the 784 → width → 10 network")
        for array in (self.w1, self.b1, self.w2, self.b2):
            array.setflags(write=False)  # snapshots are shared with other threads and pages

    @property
    def width(self) -> int:
        return int(self.b1.shape[0])

    def param_counts(self) -> list[tuple[str, int]]:
        """Trainable parameters per layer, in Keras's order and with Keras's counts."""
        return [("flatten", 0), ("hidden", self.w1.size + self.b1.size), ("dropout", 0),
                ("logits", self.w2.size + self.b2.size)]


@dataclass(frozen=True)
class Activations:
    """Every layer's output for one digit (inference mode unless a dropout mask was given)."""

    inputs: np.ndarray   # (784,) the flattened image
    z: np.ndarray        # (width,) hidden pre-activation w·x + b
    hidden: np.ndarray   # (width,) after the activation function
    dropped: np.ndarray  # (width,) after dropout: equal to hidden at inference
    logits: np.ndarray   # (10,)
    probs: np.ndarray    # (10,) softmax of the logits

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.logits))


def flatten(image: np.ndarray) -> np.ndarray:
    """28×28 → 784, row by row: index i = 28·row + col, exactly as keras.layers.Flatten."""
    return np.asarray(image, dtype=np.float32).reshape(*np.shape(image)[:-2], 784)


def forward(net: Network, image: np.ndarray, dropout_mask: np.ndarray | None = None) -> Activations:
    """One digit through the network. A mask (0/1 per hidden unit) simulates training-mode dropout."""
    x = flatten(image)
    z = x @ net.w1 + net.b1
    hidden = ACTIVATIONS[net.activation](z)
    dropped = hidden if dropout_mask is None else hidden * dropout_mask / (1.0 - net.dropout)
    logits = dropped @ net.w2 + net.b2
    return Activations(x, z, hidden, dropped, logits, softmax(logits))


def predict_proba(net: Network, images: np.ndarray) -> np.ndarray:
    """Batch of (n, 28, 28) images in [0, 1] → (n, 10) probabilities."""
    hidden = ACTIVATIONS[net.activation](flatten(images) @ net.w1 + net.b1)
    return softmax(hidden @ net.w2 + net.b2)


def sample_dropout_mask(width: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """One training-mode dropout mask: each unit kept with probability 1 − rate."""
    return (rng.random(width) >= rate).astype(np.float32)
