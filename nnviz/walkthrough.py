"""The forward pass of one digit as arithmetic: one hidden neuron's z = w·x + b and activation, logits, softmax.

The layers come from network.forward in float64; one neuron's sum is then written out term by term
from the weights, so the tests can check the arithmetic shown against the model's own activations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.network import ACTIVATIONS, Activations, Network, flatten, forward, votes

# Each activation as LaTeX, with {z} where the number goes.
FORMULAS = {"relu": r"\max(0,\ {z})", "sigmoid": r"\frac{{1}}{{1 + e^{{-({z})}}}}", "tanh": r"\tanh({z})",
            "linear": "{z}"}


@dataclass(frozen=True, eq=False)
class NeuronSum:
    """One hidden neuron on one digit: 784 products x_i·w_i, their sum, the bias, z and the activation."""

    neuron: int
    inputs: np.ndarray    # (784,) x, the flattened digit
    weights: np.ndarray   # (784,) w, the neuron's incoming weights (column of the first kernel)
    products: np.ndarray  # (784,) x_i·w_i
    dot: float            # w·x = Σ x_i·w_i
    bias: float
    z: float              # w·x + b
    activation: str
    output: float         # activation(z)

    @property
    def ink(self) -> int:
        """Pixels with ink: the only ones whose weights count, since x_i = 0 elsewhere."""
        return int(np.count_nonzero(self.inputs))

    def top_pixels(self, count: int = 5) -> list[tuple[int, float, float, float]]:
        """The pixels that push z most, either way: (input index, x_i, w_i, x_i·w_i)."""
        order = np.argsort(-np.abs(self.products), kind="stable")[:count]
        return [(int(i), float(self.inputs[i]), float(self.weights[i]), float(self.products[i])) for i in order]


@dataclass(frozen=True, eq=False)
class Walkthrough:
    """The whole forward pass of one digit, layer by layer, with every intermediate number."""

    neuron: NeuronSum
    hidden: np.ndarray        # (width,) every hidden neuron's output (dropout is off at inference)
    logit_dots: np.ndarray    # (10,) Σ_j hidden_j · w2[j, k]
    logit_biases: np.ndarray  # (10,)
    logits: np.ndarray        # (10,) dots + biases
    exps: np.ndarray          # (10,) e^(logit − max logit): softmax's numerators, shifted so they cannot overflow
    probs: np.ndarray         # (10,) exps / Σ exps

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.logits))


def activation_latex(activation: str, z: float) -> str:
    """The activation applied to this z, as LaTeX: e.g. \\max(0,\\ 2.4530)."""
    return FORMULAS[activation].format(z=f"{z:.4f}")


def neuron_sum(net: Network, image: np.ndarray, neuron: int) -> NeuronSum:
    """One first-layer neuron's weighted sum, term by term."""
    width = net.widths[0]
    if not 0 <= neuron < width:
        raise ValueError(f"The hidden layer has neurons 0 to {width - 1}, not {neuron}")
    x = flatten(image).astype(np.float64)
    w = net.kernels[0][:, neuron].astype(np.float64)
    products = x * w
    dot = float(products.sum())
    bias = float(net.biases[0][neuron])
    z = dot + bias
    return NeuronSum(neuron, x, w, products, dot, bias, z, net.activation,
                     float(ACTIVATIONS[net.activation](np.float64(z))))


def walk(net: Network, image: np.ndarray, neuron: int | None = None) -> Walkthrough:
    """The forward pass for one digit; the neuron shown defaults to the one that adds most to the winning logit."""
    acts = forward(net, image, dtype=np.float64)
    biases = net.biases[-1].astype(np.float64)
    if neuron is None:
        neuron = strongest_voter(net, acts, acts.prediction)
    # Softmax's shifted numerators e^(logit − max) are the probabilities over the largest one.
    return Walkthrough(neuron_sum(net, image, neuron), acts.hiddens[0], acts.logits - biases, biases,
                       acts.logits, acts.probs / acts.probs.max(), acts.probs)


def strongest_voter(net: Network, acts: Activations, digit: int) -> int:
    """The first-layer neuron whose output adds most to a digit's logit: output × ∂logit/∂output,
    which at one hidden layer is hidden_j · w2[j, digit]."""
    return int(np.argmax(acts.hiddens[0] * votes(net, acts, digit)))


def contributions(net: Network, hidden: np.ndarray, digit: int) -> np.ndarray:
    """Each hidden neuron's share of one logit at one hidden layer: hidden_j · w2[j, digit] (they sum to
    the logit minus its bias). A view shim for one hidden layer; it goes with issue 15."""
    return hidden * net.kernels[-1][:, digit].astype(np.float64)
