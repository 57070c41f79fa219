"""The pure network: a stack of Dense layers with one forward pass, one backward pass and one softmax.

Imports numpy only, so every view can compute activations in microseconds without calling
Keras (model.predict costs ~50 ms per call) and without touching a model another thread trains.
Tests prove the forward pass equal to Keras and the backward pass equal to tf.GradientTape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDE = 28                    # digits are SIDE × SIDE pixels
INPUTS, CLASSES = SIDE * SIDE, 10

ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "linear": lambda z: z,
}


def derivative(activation: str, out: np.ndarray) -> np.ndarray:
    """d activation / dz, written in terms of the activation's output (what the forward pass keeps)."""
    if activation == "relu":
        return (out > 0).astype(out.dtype)  # as TensorFlow: slope 0 at exactly z = 0
    if activation == "sigmoid":
        return out * (1 - out)
    if activation == "tanh":
        return 1 - out * out
    return np.ones_like(out)  # linear


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities from logits, for one digit (10,) or a batch (n, 10)."""
    if logits.ndim == 1:  # one digit, the Draw page's every stroke: whole-array reductions are quicker
        e = np.exp(logits - logits.max())  # shifted: no overflow on big logits
        e /= e.sum()
        return e
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def cross_entropy(logits: np.ndarray, labels) -> np.ndarray:
    """−log p(label) per digit, as Keras's SparseCategoricalCrossentropy(from_logits): a log-softmax, so no log(0)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_probs, np.asarray(labels)[..., None], axis=-1)[..., 0]


class OneHiddenLayerNames:
    """w1, b1 (the first layer) and w2, b2 (the logits layer) of anything with `kernels` and `biases`: the
    names of code written for one hidden layer. They go when the views move to the stack API (issue 15)."""

    kernels: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    @property
    def w1(self) -> np.ndarray:
        return self.kernels[0]

    @property
    def b1(self) -> np.ndarray:
        return self.biases[0]

    @property
    def w2(self) -> np.ndarray:
        return self.kernels[-1]

    @property
    def b2(self) -> np.ndarray:
        return self.biases[-1]


@dataclass(frozen=True, eq=False)
class Network(OneHiddenLayerNames):
    """Weights of Flatten → [Dense(width, activation) → Dropout(rate)] × depth → Dense(10), read-only.

    kernels[i] is (inputs, outputs) and biases[i] (outputs,), from the first hidden layer to the logits.
    """

    kernels: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    activation: str = "relu"
    dropout: float = 0.2

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {self.activation!r}")
        if len(self.kernels) != len(self.biases) or len(self.kernels) < 2:
            raise ValueError("A network needs at least one hidden layer and the logits layer")
        sizes = (INPUTS, *(b.shape[0] for b in self.biases))
        for kernel, bias, n_in, n_out in zip(self.kernels, self.biases, sizes[:-1], sizes[1:], strict=True):
            if kernel.shape != (n_in, n_out) or bias.shape != (n_out,):
                raise ValueError(f"Weights do not have the shapes of the {' → '.join(map(str, sizes))} network")
        if sizes[-1] != CLASSES:
            raise ValueError("The last layer must give 10 logits, one per digit")
        for array in self.arrays():
            array.setflags(write=False)  # snapshots are shared with other threads and pages

    @classmethod
    def of(cls, *arrays: np.ndarray, activation: str = "relu", dropout: float = 0.2) -> Network:
        """From kernel, bias, kernel, bias, …: the order of Keras's model.get_weights()."""
        if len(arrays) % 2:
            raise ValueError("Weights come in (kernel, bias) pairs")
        return cls(tuple(arrays[0::2]), tuple(arrays[1::2]), activation, dropout)

    def arrays(self) -> tuple[np.ndarray, ...]:
        """kernel, bias, kernel, bias, …: the inverse of `of`."""
        return tuple(a for pair in zip(self.kernels, self.biases, strict=True) for a in pair)

    @property
    def widths(self) -> tuple[int, ...]:
        """The hidden layers' widths, first to last."""
        return tuple(int(b.shape[0]) for b in self.biases[:-1])

    @property
    def depth(self) -> int:
        return len(self.kernels) - 1

    def param_counts(self) -> list[tuple[str, int]]:
        """Trainable parameters per layer, in Keras's order and with Keras's counts and names."""
        rows = [("flatten", 0)]
        for name, dropout_name, kernel, bias in zip(hidden_names(self.depth), dropout_names(self.depth),
                                                    self.kernels, self.biases, strict=False):
            rows += [(name, kernel.size + bias.size), (dropout_name, 0)]
        return rows + [("logits", self.kernels[-1].size + self.biases[-1].size)]

    @property
    def width(self) -> int:  # one hidden layer's name for widths[0]; goes with issue 15 (see OneHiddenLayerNames)
        return self.widths[0]


def hidden_names(depth: int) -> list[str]:
    """Keras layer names of the hidden Dense layers: 'hidden' alone, else 'hidden_1', 'hidden_2', …"""
    return ["hidden"] if depth == 1 else [f"hidden_{i}" for i in range(1, depth + 1)]


def dropout_names(depth: int) -> list[str]:
    return ["dropout"] if depth == 1 else [f"dropout_{i}" for i in range(1, depth + 1)]


@dataclass(frozen=True, eq=False)
class Activations:
    """Every layer's output for one digit or a batch (inference mode unless dropout masks were given)."""

    inputs: np.ndarray               # (…, 784) the flattened image
    zs: tuple[np.ndarray, ...]       # every Dense layer's pre-activation w·a + b; the last is the logits
    hiddens: tuple[np.ndarray, ...]  # each hidden layer's output, after the activation function
    drops: tuple[np.ndarray, ...]    # each hidden layer's output after dropout: equal to hiddens at inference
    probs: np.ndarray                # softmax of the logits
    masks: tuple[np.ndarray, ...] | None = None  # the dropout masks, if any

    @property
    def logits(self) -> np.ndarray:
        return self.zs[-1]

    @property
    def prediction(self) -> int:
        return int(self.zs[-1].argmax())  # the logits' argmax, read once per stroke on the Draw page

    # The first hidden layer, for code written for one; these go when views move to the stack API (issue 15).
    @property
    def z(self) -> np.ndarray:
        return self.zs[0]

    @property
    def hidden(self) -> np.ndarray:
        return self.hiddens[0]

    @property
    def dropped(self) -> np.ndarray:
        return self.drops[0]


def flatten(image: np.ndarray) -> np.ndarray:
    """28×28 → 784, row by row: index i = 28·row + col, exactly as keras.layers.Flatten."""
    image = np.asarray(image, dtype=np.float32)
    return image.reshape(image.shape[:-2] + (INPUTS,))


def forward(net: Network, image: np.ndarray, dropout_masks=None, dtype=np.float32) -> Activations:
    """A digit (28×28) or a batch (n, 28, 28) through the network: a = f(a·W + b), layer by layer.

    Dropout masks (one 0/1 array per hidden layer) simulate training-mode dropout; a single array is
    taken as the first layer's mask. dtype=float64 gives the exact values that float32 approximates.
    """
    if isinstance(dropout_masks, np.ndarray):  # one hidden layer's mask, as views pass it (issue 15)
        dropout_masks = (dropout_masks,)
    f = ACTIVATIONS[net.activation]
    kernels, biases = net.kernels, net.biases
    a = x = flatten(image)
    if dtype is not np.float32:  # every product in float64: the weights cast once per call, so BLAS multiplies
        a = x = x.astype(dtype)
        kernels = [kernel.astype(dtype, copy=False) for kernel in kernels]
    zs, hiddens, drops = [], [], []
    for i in range(len(kernels) - 1):  # the hidden layers: Dense, activation, dropout
        z = a @ kernels[i]
        z += biases[i]  # in place: one array less to allocate
        zs.append(z)
        hiddens.append(a := f(z))
        if dropout_masks is not None:
            a = a * dropout_masks[i] / (1.0 - net.dropout)  # Keras's inverted dropout: survivors scaled up
        drops.append(a)
    logits = a @ kernels[-1]
    logits += biases[-1]
    zs.append(logits)
    masks = None if dropout_masks is None else tuple(dropout_masks)
    return Activations(x, tuple(zs), tuple(hiddens), tuple(drops), softmax(logits), masks)


def predict_proba(net: Network, images: np.ndarray) -> np.ndarray:
    """Batch of (n, 28, 28) images in [0, 1] → (n, 10) probabilities."""
    return forward(net, images).probs


@dataclass(frozen=True, eq=False)
class Gradients:
    """∂loss/∂(every weight and bias) and ∂loss/∂(every layer's z), shaped like the network's arrays."""

    kernels: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    zs: tuple[np.ndarray, ...]  # ∂loss/∂z of every layer: its 'error signal'

    def inputs(self, net: Network) -> np.ndarray:
        """∂loss/∂input pixel: one more step back, through the first kernel (only when asked for: it costs
        a pass over the largest kernel)."""
        return self.zs[0] @ net.kernels[0].T.astype(self.zs[0].dtype, copy=False)


def loss_gradient(acts: Activations, labels) -> np.ndarray:
    """∂(mean cross-entropy)/∂logits = (probabilities − one-hot(labels)) / batch size."""
    d = np.array(acts.probs)
    labels = np.asarray(labels)
    if d.ndim == 1:
        d[labels] -= 1
        return d
    d[np.arange(len(d)), labels] -= 1
    return d / len(d)  # Keras averages the loss over the batch


def error_signals(net: Network, acts: Activations, dlogits: np.ndarray, down_to: int = 0) -> list[np.ndarray]:
    """∂/∂z of layers `down_to` … logits, from ∂/∂logits back through each kernel, dropout and activation.
    Layers below `down_to` are not visited, so asking for the top layers alone stays cheap."""
    dzs = [dlogits]
    for i in range(net.depth, down_to, -1):  # from the layer above hidden layer i − 1 down
        da = dzs[0] @ net.kernels[i].T.astype(dzs[0].dtype, copy=False)
        if acts.masks is not None:  # back through dropout's scaling
            da = da * acts.masks[i - 1] / (1.0 - net.dropout)
        dzs.insert(0, da * derivative(net.activation, acts.hiddens[i - 1]))
    return dzs


def backward(net: Network, acts: Activations, dlogits: np.ndarray) -> Gradients:
    """Backpropagation: from ∂/∂logits (e.g. `loss_gradient`) to ∂/∂ every weight and bias.

    Works in the dtype of the forward pass; for one digit the arrays have no batch axis.
    """
    dzs = error_signals(net, acts, dlogits)
    a_in = (acts.inputs, *acts.drops)  # what each layer multiplied
    if acts.inputs.ndim == 1:  # one digit: each kernel's gradient is an outer product
        kernels = tuple(np.outer(a, dz) for a, dz in zip(a_in, dzs, strict=True))
        return Gradients(kernels, tuple(dzs), tuple(dzs))
    kernels = tuple(a.T @ dz for a, dz in zip(a_in, dzs, strict=True))
    return Gradients(kernels, tuple(dz.sum(axis=0) for dz in dzs), tuple(dzs))


def votes(net: Network, acts: Activations, digit: int) -> np.ndarray:
    """How much each first-layer neuron's output moves one digit's logit, ∂logit/∂h, for this digit:
    with one hidden layer exactly its weight to that digit; deeper, the sum over the paths left open."""
    seed = np.zeros(CLASSES, acts.logits.dtype)
    seed[digit] = 1
    return error_signals(net, acts, seed, down_to=1)[0] @ net.kernels[1].T.astype(seed.dtype, copy=False)


def sample_dropout_mask(width: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """One training-mode dropout mask: each unit kept with probability 1 − rate."""
    return (rng.random(width) >= rate).astype(np.float32)


def sample_dropout_masks(net: Network, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A mask for every hidden layer, at the network's shared rate."""
    return tuple(sample_dropout_mask(width, net.dropout, rng) for width in net.widths)
