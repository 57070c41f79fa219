"""Teaching one digit: the exact loss and gradients of one example, an SGD or Adam nudge, an undoable lesson.

A nudge is one click: one gradient update on the user's digit alone (a "step" is a training batch's update).
Every nudge runs in inference mode, with dropout OFF: the gradient is then that of the very prediction
the user sees, and the same click always does the same thing (with dropout on, each click would
teach a different random sub-network). Backpropagation is network.backward, in numpy, which is exact
(tests compare it with tf.GradientTape on the Keras model) and takes well under a millisecond,
so a click never waits for TensorFlow.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from dataclasses import dataclass, replace

import numpy as np

from nnviz.data import Dataset, as_float
from nnviz.network import (
    ACTIVATIONS,
    INPUTS,
    Network,
    OneHiddenLayerNames,
    backward,
    cross_entropy,
    flatten,
    forward,
    loss_gradient,
    votes,
)
from nnviz.walkthrough import layer_name

OPTIMIZERS = {"sgd": "Plain SGD", "adam": "Adam, as in training"}
# Defaults: SGD's teaches a typical misread digit in a few clicks (2 for the median misread test digit of
# the sample, 5 for a hand-drawn closed-top 4); Adam's is the rate the model was trained with.
DEFAULT_RATE = {"sgd": 2e-3, "adam": 1e-3}
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # keras.optimizers.Adam's defaults, which build_model uses
MAX_NUDGES = 40  # each nudge keeps a weight snapshot (every parameter) so that Undo is exact


@dataclass(frozen=True, eq=False)
class Params(OneHiddenLayerNames):
    """One array per weight array of the network, kernel and bias per layer: gradients, updates or Adam moments."""

    kernels: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    def __post_init__(self):
        for array in self.arrays():
            array.setflags(write=False)

    @classmethod
    def of(cls, arrays) -> Params:
        """From kernel, bias, kernel, bias, …"""
        arrays = tuple(arrays)
        return cls(arrays[0::2], arrays[1::2])

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(a for pair in zip(self.kernels, self.biases, strict=True) for a in pair)


def weights(net: Network) -> Params:
    return Params(net.kernels, net.biases)


def loss(net: Network, image: np.ndarray, label: int) -> float:
    """Cross-entropy of one digit, −log p(label): the model's SparseCategoricalCrossentropy(from_logits)."""
    return float(cross_entropy(forward(net, image, dtype=np.float64).logits, label))


def gradients(net: Network, image: np.ndarray, label: int) -> Params:
    """∂loss/∂weight for every weight, by backpropagation through the forward pass (dropout off).

    Worked in float64 and rounded once to float32 at the end, so the result is within float32
    rounding of the exact gradient (Keras's own float32 gradient is off by a few units in the last place).
    """
    acts = forward(net, image, dtype=np.float64)
    grads = backward(net, acts, loss_gradient(acts, label))
    return Params(tuple(k.astype(np.float32) for k in grads.kernels), tuple(b.astype(np.float32) for b in grads.biases))


def rival(probs: np.ndarray, label: int) -> int:
    """The wrong digit the model likes best: its wrong prediction, or the runner-up when it is right."""
    others = np.array(probs, dtype=np.float64)
    others[label] = -np.inf
    return int(np.argmax(others))


@dataclass(frozen=True, eq=False)
class AdamState:
    """Adam's moving averages of the gradient (m) and of its square (v), after `iterations` steps."""

    m: Params
    v: Params
    iterations: int


def sgd_update(grads: Params, learning_rate: float) -> Params:
    """Plain gradient descent: every weight moves by −η·gradient."""
    rate = np.float32(learning_rate)
    return Params.of(-(rate * g) for g in grads.arrays())


def adam_update(grads: Params, learning_rate: float, state: AdamState | None) -> tuple[Params, AdamState]:
    """One step of Keras 3's Adam update rule (keras.optimizers.Adam, tested equal to it).

    A Network holds weights only, so a lesson's Adam starts from a fresh state (zero moments,
    step 0), as a newly compiled optimizer would, and carries its state over the lesson's clicks.
    """
    if state is None:
        zeros = Params.of(np.zeros_like(g) for g in grads.arrays())
        state = AdamState(zeros, zeros, 0)
    step = np.float32(state.iterations + 1)
    b1, b2 = np.float32(BETA_1), np.float32(BETA_2)
    alpha = np.float32(learning_rate) * np.sqrt(1 - b2 ** step) / (1 - b1 ** step)
    # Python-float coefficients, as Keras writes them: (1 − 0.9) rounds to float32 differently from
    # float32(1) − float32(0.9), and these rounding details are what the equality test checks.
    m = [m + (g - m) * (1 - BETA_1) for g, m in zip(grads.arrays(), state.m.arrays(), strict=True)]
    v = [v + (g * g - v) * (1 - BETA_2) for g, v in zip(grads.arrays(), state.v.arrays(), strict=True)]
    update = Params.of(-((mi * alpha) / (np.sqrt(vi) + np.float32(EPSILON))) for mi, vi in zip(m, v, strict=True))
    return update, AdamState(Params.of(m), Params.of(v), state.iterations + 1)


def apply(net: Network, update: Params) -> Network:
    """A new Network with the update added; the old one is untouched (its arrays are read-only)."""
    new = [(w + u).astype(np.float32) for w, u in zip(weights(net).arrays(), update.arrays(), strict=True)]
    return Network.of(*new, activation=net.activation, dropout=net.dropout)


@dataclass(frozen=True, eq=False)
class Nudge:
    """What one click did: the gradient at the old weights and the update the optimizer made of it."""

    optimizer: str
    learning_rate: float
    grads: Params
    update: Params  # new − old, as computed by the optimizer: −η·grads for plain SGD


@dataclass(frozen=True, eq=False)
class Lesson:
    """Teaching one digit on a copy of a model. Every snapshot is kept, so Undo is bit-for-bit exact."""

    image: np.ndarray
    label: int
    nets: tuple[Network, ...]          # nets[0]: the model as it was before the first nudge
    probs: tuple[np.ndarray, ...]      # the 10 probabilities of the digit for each snapshot
    losses: tuple[float, ...]          # the loss of the digit for each snapshot
    last: Nudge | None = None          # the newest nudge, for the gradient pictures
    adam: AdamState | None = None

    @property
    def original(self) -> Network:
        return self.nets[0]

    @property
    def current(self) -> Network:
        return self.nets[-1]

    @property
    def nudges(self) -> int:
        return len(self.nets) - 1

    @property
    def true_curve(self) -> np.ndarray:
        """Probability of the true label after 0, 1, 2, … nudges."""
        return np.array([p[self.label] for p in self.probs])

    @property
    def learned(self) -> bool:
        return int(np.argmax(self.probs[-1])) == self.label


def start(net: Network, image: np.ndarray, label: int) -> Lesson:
    if not 0 <= label <= 9:
        raise ValueError(f"A digit's label is 0 to 9, not {label}")
    image = np.array(image, dtype=np.float32)
    image.setflags(write=False)
    return Lesson(image, int(label), (net,), (forward(net, image).probs,), (loss(net, image, label),))


def teach(lesson: Lesson, optimizer: str = "sgd", learning_rate: float = 0.1) -> Lesson:
    """One click: one nudge (a gradient update) on the lesson's digit, from its current weights."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}")
    if not learning_rate > 0:
        raise ValueError("The learning rate must be positive")
    grads = gradients(lesson.current, lesson.image, lesson.label)
    adam = lesson.adam
    if optimizer == "sgd":
        update = sgd_update(grads, learning_rate)
    else:
        update, adam = adam_update(grads, learning_rate, adam)
    net = apply(lesson.current, update)
    return replace(lesson, nets=lesson.nets + (net,), probs=lesson.probs + (forward(net, lesson.image).probs,),
                   losses=lesson.losses + (loss(net, lesson.image, lesson.label),),
                   last=Nudge(optimizer, float(learning_rate), grads, update), adam=adam)


def resume(lesson: Lesson | None, net: Network, image: np.ndarray, label: int) -> tuple[Lesson, bool]:
    """The lesson to show for this digit, label and model: the one under way while it still teaches this label
    to this model (its digit is the caller's to check: a new digit drops the lesson), else a fresh one.
    Also whether a lesson with nudges was dropped because the active model changed (the page says so)."""
    if lesson is not None and lesson.label == label and lesson.original is net:
        return lesson, False
    model_changed = lesson is not None and lesson.nudges > 0 and lesson.label == label
    return start(net, image, label), model_changed


def undo(lesson: Lesson) -> Lesson:
    """Back to before the first nudge: the very same (read-only) weights, and a fresh optimizer."""
    return start(lesson.original, lesson.image, lesson.label)


@dataclass(frozen=True)
class NeuronChange:
    """How one nudge changed one hidden neuron's response to the digit, and what that neuron votes for."""

    neuron: int
    z_before: float            # pre-activation w·x + b on this digit
    z_after: float
    hidden_before: float       # its output (after the activation function)
    hidden_after: float
    vote_true: float           # ∂(true digit's logit)/∂output after the nudge: its weight to it, at one hidden layer
    vote_rival: float          # the same for the rival digit

    @property
    def verdict(self) -> str:
        if self.z_after > self.z_before:
            return "reinforced"
        return "penalised" if self.z_after < self.z_before else "unchanged"


def neuron_changes(before: Network, after: Network, image: np.ndarray, label: int, rival_digit: int,
                   neurons=None) -> list[NeuronChange]:
    """Each first-layer neuron's change (all of them unless a list is given): reinforced means it now fires more."""
    a, b = forward(before, image), forward(after, image)
    true_votes, rival_votes = (votes(after, b, digit) for digit in (label, rival_digit))
    neurons = range(before.widths[0]) if neurons is None else neurons
    return [NeuronChange(int(j), float(a.zs[0][j]), float(b.zs[0][j]), float(a.hiddens[0][j]), float(b.hiddens[0][j]),
                         float(true_votes[j]), float(rival_votes[j])) for j in neurons]


def most_affected(update: Params, count: int = 8) -> np.ndarray:
    """The hidden neurons whose incoming weights the nudge changed most (largest update, in norm)."""
    size = np.linalg.norm(update.kernels[0].astype(np.float64), axis=0)
    order = np.argsort(-size, kind="stable")
    return order[:count][size[order[:count]] > 0]


def tally(changes: list[NeuronChange]) -> dict[str, int]:
    counts = {"reinforced": 0, "penalised": 0, "unchanged": 0}
    for change in changes:
        counts[change.verdict] += 1
    return counts


@dataclass(frozen=True)
class LayerGradient:
    """The size of one Dense layer's weight gradient for one nudge: how far that nudge pushes the layer's weights."""

    layer: int      # 0 is the first hidden layer; the last is the output layer
    name: str       # "hidden layer 2", "output layer"
    norm: float     # ‖∂loss/∂W‖, the square root of the sum of every weight's squared gradient
    largest: float  # the largest |∂loss/∂w| of one weight
    weights: int    # how many weights the kernel has


def gradient_sizes(net: Network, grads: Params) -> list[LayerGradient]:
    """Every Dense layer's weight-gradient size, first hidden layer first (kernels only: the biases' gradients
    are the error signals themselves, and there are few of them)."""
    # The norm summed in float64 without a float64 copy of each kernel (that copy cost ~5 ms per 512 × 512).
    return [LayerGradient(i, layer_name(net, i), float(np.sqrt(np.einsum("ij,ij->", k, k, dtype=np.float64))),
                          float(max(k.max(initial=0.0), -k.min(initial=0.0))), int(k.size))
            for i, k in enumerate(grads.kernels)]


SLOPES = {"sigmoid": "Sigmoid's slope is at most 0.25, so the signal shrinks at every layer on its way down",
          "tanh": "tanh's slope is at most 1 and less wherever a neuron is far from 0",
          "relu": "ReLU's slope is exactly 1 wherever a neuron fires (0 where it is silent)",
          "linear": "With no activation the slope is 1 everywhere"}


def gradient_lesson(net: Network, sizes: list[LayerGradient]) -> str:
    """What the per-layer chart shows, with this nudge's own ratio between the first hidden layer and the output
    layer, and why early layers learn slowly when the activation's slope is small (the vanishing gradient)."""
    first, last = sizes[0].norm, sizes[-1].norm
    said = ("Each bar is how big one layer's weight gradient is (its norm, on a log scale: each grid line is ×10); "
            "plain SGD moves each layer's weights in proportion to it. Backpropagation carries the error down from "
            "the output, layer by layer, multiplying it by each layer's weights and by the activation's slope. "
            f"{SLOPES[net.activation]}. ")
    if first <= 0 or last <= 0:
        return said + "Here one layer got no gradient at all: none of its weights moved."
    ratio = last / first
    if ratio >= 2:
        said += f"Here the first hidden layer's gradient is {ratio:,.0f} times smaller than the output layer's"
        if net.activation == "sigmoid":
            return said + (": the early layers barely learn. This is the vanishing-gradient problem, and why deep "
                           "networks use ReLU instead.")
        return said + "."
    return said + (f"Here the first hidden layer's gradient is {first / last:.2g} times the output layer's: "
                   "it does not vanish on the way down.")


def between_layers(net: Network) -> list[int]:
    """The kernels that join two hidden layers (1 for hidden layer 1 → 2, …): none at one hidden layer."""
    return list(range(1, net.depth))


def strongest_block(update: np.ndarray, count: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """The rows (neurons below) and columns (neurons above) of a kernel's update that changed most, at most
    `count` of each, in index order: a 512 × 512 kernel is too many cells to show or to read."""
    sizes = np.abs(update.astype(np.float64))
    rows = np.sort(np.argsort(-np.linalg.norm(sizes, axis=1), kind="stable")[:count])
    cols = np.sort(np.argsort(-np.linalg.norm(sizes, axis=0), kind="stable")[:count])
    return rows, cols


def predictions(net: Network, images: np.ndarray, first: np.ndarray | None = None) -> np.ndarray:
    """The digit the network reads in each of a batch of images (n, 28, 28) or (n, 784): network.forward's
    float32 arithmetic, layer by layer, keeping only the running layer and taking the largest logit (softmax
    keeps the order). forward keeps every layer's z, output and dropout output and a softmax besides: a third
    of the forgetting check's time at 4 × 512, for values it never reads. `first`, when given, is the images'
    product with the first kernel (the first layer's z before its bias), worked out already."""
    f = ACTIVATIONS[net.activation]
    a = flatten(images) if images.shape[-1] != INPUTS else images
    for i, (kernel, bias) in enumerate(zip(net.kernels[:-1], net.biases[:-1], strict=True)):
        if i == 0 and first is not None:
            z = first + bias
        else:
            z = a @ kernel
            z += bias
        a = f(z)
    return (a @ net.kernels[-1] + net.biases[-1]).argmax(axis=1)


def accuracy(net: Network, images: np.ndarray, labels: np.ndarray, first: np.ndarray | None = None) -> float:
    """Share of other digits read right: does teaching one digit make the network forget the rest?"""
    return float((predictions(net, images, first) == labels).mean())


CHECK_DIGITS = 2000  # test digits the forgetting check reads (~80 ms a model at 4 × 512, on 2 shared cores)
_checked: weakref.WeakKeyDictionary[Network, dict[str, float]] = weakref.WeakKeyDictionary()
_checked_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class _Check:
    """One dataset's check digits as the model reads them, and their product with the first kernel of the
    model last checked from scratch."""

    source: np.ndarray                # the dataset's x_test they come from
    images: np.ndarray                # (CHECK_DIGITS, 784) float32, read-only
    kernel: np.ndarray | None = None  # that model's first kernel
    product: np.ndarray | None = None  # images @ kernel, read-only


_checks: dict[str, _Check] = {}  # per dataset name


def _check_inputs(net: Network, test: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The check's digits (converted once per dataset: 6 ms a time) and their product with the model's first
    kernel. A nudge changes the first layer's weights only from the pixels the taught digit inks (their gradient
    is the pixel's value times the neuron's error signal: 0 from a blank pixel, with Adam too), about a fifth of
    them; so a taught model's product is the last model's plus the changed rows' share, a fifth of the work
    of that layer (the largest: 784 inputs). The same sum in another order: equal to float32 rounding."""
    check = _checks.get(test.name)
    if check is None or check.source is not test.x_test:  # a first look, or another dataset of that name
        images = flatten(as_float(test.x_test[:CHECK_DIGITS]))
        images.setflags(write=False)
        check = _Check(test.x_test, images)
    kernel = net.kernels[0]
    if check.kernel is not None and check.kernel.shape == kernel.shape:
        changed = np.flatnonzero((kernel != check.kernel).any(axis=1))
        if changed.size == 0:
            return check.images, check.product
        if changed.size <= kernel.shape[0] // 2:
            return check.images, check.product + check.images[:, changed] @ (kernel[changed] - check.kernel[changed])
    product = check.images @ kernel
    product.setflags(write=False)
    _checks[test.name] = replace(check, kernel=kernel, product=product)
    return check.images, product


def remembered_accuracy(net: Network, test: Dataset) -> float:
    """accuracy() on the first CHECK_DIGITS test digits, measured once per model and dataset: a Teach page's
    rerun asks for the same two models (before and now) again and again. Held only while the model lives."""
    with _checked_lock:
        known = _checked.get(net, {}).get(test.name)
    if known is None:
        images, first = _check_inputs(net, test)
        known = accuracy(net, images, test.y_test[:CHECK_DIGITS], first)
        with _checked_lock:
            _checked.setdefault(net, {})[test.name] = known
    return known


def fingerprint(image: np.ndarray) -> str:
    """A short id of a digit's pixels, to notice when the user's digit has changed."""
    return hashlib.blake2b(np.ascontiguousarray(image, dtype=np.float32).tobytes(), digest_size=8).hexdigest()
