"""The forward pass of one digit as arithmetic: any neuron's z = w·a + b and activation, logits, softmax.

The layers come from network.forward in float64; one neuron's sum is then written out term by term
from the weights and the layer below's outputs, so the tests can check the arithmetic shown against
the model's own activations (Keras's layer outputs) at every depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.network import ACTIVATIONS, CLASSES, Activations, Network, error_signals, flatten, forward, votes

# Each activation as LaTeX, with {z} where the number goes.
FORMULAS = {"relu": r"\max(0,\ {z})", "sigmoid": r"\frac{{1}}{{1 + e^{{-({z})}}}}", "tanh": r"\tanh({z})",
            "linear": "{z}"}


def layer_name(net: Network, layer: int) -> str:
    """A Dense layer's plain name, first hidden layer = 0: 'hidden layer' alone, 'hidden layer 2', or 'output layer'."""
    if layer == net.depth:
        return "output layer"
    return "hidden layer" if net.depth == 1 else f"hidden layer {layer + 1}"


def the_layer(net: Network, layer: int) -> str:
    """A layer's name as a sentence says it: 'the hidden layer', 'hidden layer 2', 'the output layer'."""
    name = layer_name(net, layer)
    return name if name[-1].isdigit() else f"the {name}"


def layer_widths(net: Network) -> tuple[int, ...]:
    """Every Dense layer's number of neurons, the output layer's 10 last."""
    return (*net.widths, CLASSES)


@dataclass(frozen=True, eq=False)
class NeuronSum:
    """One neuron on one digit: its inputs a_i times its weights w_i, their sum, the bias, z and the activation.

    In the first hidden layer the inputs are the 784 pixels x; deeper, the outputs h of the layer below.
    The output layer's z is a logit, with no activation of its own (softmax comes after, over all ten).
    """

    neuron: int
    inputs: np.ndarray    # what the layer multiplies: the flattened digit, or the layer below's outputs
    weights: np.ndarray   # the neuron's incoming weights (a column of its layer's kernel)
    products: np.ndarray  # inputs_i · weights_i
    dot: float            # w·a = Σ a_i·w_i
    bias: float
    z: float              # w·a + b
    activation: str       # "none" for a logit
    output: float         # activation(z); the logit itself for the output layer
    layer: int = 0        # which Dense layer: 0 is the first hidden layer, depth the output layer

    @property
    def ink(self) -> int:
        """Inputs that are not 0: the only ones whose weights count (inked pixels, neurons that fired)."""
        return int(np.count_nonzero(self.inputs))

    @property
    def from_pixels(self) -> bool:
        return self.layer == 0

    @property
    def is_logit(self) -> bool:
        return self.activation == "none"

    def top_inputs(self, count: int = 5) -> list[tuple[int, float, float, float]]:
        """The inputs that push z most, either way: (input index, a_i, w_i, a_i·w_i)."""
        order = np.argsort(-np.abs(self.products), kind="stable")[:count]
        return [(int(i), float(self.inputs[i]), float(self.weights[i]), float(self.products[i])) for i in order]

    top_pixels = top_inputs  # the first layer's name for it

    @property
    def symbol(self) -> str:
        """The inputs' letter: x for pixels, h for the outputs of the hidden layer below."""
        return "x" if self.from_pixels else "h"

    @property
    def columns(self) -> list[str]:
        """Column names of a top_inputs table."""
        return ["pixel" if self.from_pixels else "neuron", self.symbol, "w", f"{self.symbol} × w"]


@dataclass(frozen=True, eq=False)
class Walkthrough:
    """The whole forward pass of one digit, layer by layer, with every intermediate number."""

    neuron: NeuronSum
    hidden: np.ndarray        # (width,) the first hidden layer's outputs (dropout is off at inference)
    logit_dots: np.ndarray    # (10,) Σ_j h_j · w[j, k] over the last hidden layer
    logit_biases: np.ndarray  # (10,)
    logits: np.ndarray        # (10,) dots + biases
    exps: np.ndarray          # (10,) e^(logit − max logit): softmax's numerators, shifted so they cannot overflow
    probs: np.ndarray         # (10,) exps / Σ exps
    hiddens: tuple[np.ndarray, ...] = ()  # every hidden layer's outputs, first to last

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.logits))

    @property
    def last_hidden(self) -> np.ndarray:
        return self.hiddens[-1]


def activation_latex(activation: str, z: float) -> str:
    """The activation applied to this z, as LaTeX: e.g. \\max(0,\\ 2.4530)."""
    return FORMULAS[activation].format(z=f"{z:.4f}")


def check_neuron(net: Network, layer: int, neuron: int) -> None:
    if not 0 <= layer <= net.depth:
        raise ValueError(f"The network has layers 0 to {net.depth}, not {layer}")
    width = layer_widths(net)[layer]
    if not 0 <= neuron < width:
        raise ValueError(f"The {layer_name(net, layer)} has neurons 0 to {width - 1}, not {neuron}")


def neuron_sum(net: Network, image: np.ndarray, neuron: int, layer: int = 0, acts: Activations | None = None
               ) -> NeuronSum:
    """One neuron's weighted sum, term by term: of the pixels in the first layer, of the layer below's outputs
    deeper (taken from `acts`, a float64 forward pass of this image, when the caller has one)."""
    check_neuron(net, layer, neuron)
    if layer == 0:
        a = flatten(image).astype(np.float64)
    else:
        acts = acts if acts is not None else forward(net, image, dtype=np.float64)
        a = np.asarray(acts.hiddens[layer - 1], dtype=np.float64)
    w = net.kernels[layer][:, neuron].astype(np.float64)
    products = a * w
    dot = float(products.sum())
    bias = float(net.biases[layer][neuron])
    z = dot + bias
    if layer == net.depth:
        return NeuronSum(neuron, a, w, products, dot, bias, z, "none", z, layer)
    return NeuronSum(neuron, a, w, products, dot, bias, z, net.activation,
                     float(ACTIVATIONS[net.activation](np.float64(z))), layer)


def walk(net: Network, image: np.ndarray, neuron: int | None = None, layer: int = 0) -> Walkthrough:
    """The forward pass for one digit; the neuron shown defaults to the one of its layer that adds most to
    the winning logit (in the output layer, the winner itself)."""
    acts = forward(net, image, dtype=np.float64)
    biases = net.biases[-1].astype(np.float64)
    if neuron is None:
        neuron = strongest_voter(net, acts, acts.prediction, layer)
    # Softmax's shifted numerators e^(logit − max) are the probabilities over the largest one.
    return Walkthrough(neuron_sum(net, image, neuron, layer, acts), acts.hiddens[0], acts.logits - biases, biases,
                       acts.logits, acts.probs / acts.probs.max(), acts.probs, acts.hiddens)


def layer_votes(net: Network, acts: Activations, digit: int, layer: int) -> np.ndarray:
    """∂logit(digit)/∂(each output of hidden layer `layer`), through every layer above it, for this digit."""
    if layer == 0:
        return votes(net, acts, digit)
    seed = np.zeros(CLASSES, acts.logits.dtype)
    seed[digit] = 1
    above = error_signals(net, acts, seed, down_to=layer + 1)[0]
    return above @ net.kernels[layer + 1].T.astype(seed.dtype, copy=False)


def strongest_voter(net: Network, acts: Activations, digit: int, layer: int = 0) -> int:
    """The neuron of a hidden layer whose output adds most to a digit's logit: output × ∂logit/∂output,
    which at the last hidden layer is h_j · w[j, digit]. In the output layer: the digit itself."""
    if layer == net.depth:
        return int(digit)
    return int(np.argmax(acts.hiddens[layer] * layer_votes(net, acts, digit, layer)))


def contributions(net: Network, hidden: np.ndarray, digit: int) -> np.ndarray:
    """Each last-hidden-layer neuron's share of one logit: h_j · w[j, digit] (they sum to the logit minus
    its bias). `hidden` is the last hidden layer's outputs."""
    return hidden * net.kernels[-1][:, digit].astype(np.float64)


def logit_caption(net: Network, walk_: Walkthrough) -> str:
    """What the Logits step says: how each output neuron sums the last hidden layer, and the picked neuron's
    share of the winning score when it is in that layer (or is a logit itself)."""
    ns, pred = walk_.neuron, walk_.prediction
    width = net.widths[-1]
    feeding = "hidden" if net.depth == 1 else "last hidden layer's"
    said = f"Each output neuron sums the {width} {feeding} outputs times its weights, plus a bias. "
    if ns.layer == net.depth - 1:
        share = contributions(net, walk_.last_hidden, pred)[ns.neuron]
        said += (f"Neuron {ns.neuron} adds {ns.output:.4f} × {net.kernels[-1][ns.neuron, pred]:.4f} = {share:+.4f} "
                 f"to the score of {pred}. ")
    elif ns.layer < net.depth - 1:
        said += (f"Neuron {ns.neuron} of {the_layer(net, ns.layer)} reaches the scores only through the "
                 "layers above it. ")
    return said + "The highest score wins."


def sum_latex(ns: NeuronSum) -> str:
    """The neuron's weighted sum as LaTeX with its real numbers, on two lines (one would overflow a phone):
    z = w·x + b = Σ x_i w_i + b, then = … + … = z (logit_k = … for an output neuron)."""
    a = ns.symbol
    left = rf"\mathrm{{logit}}_{{{ns.neuron}}}" if ns.is_logit else "z"
    return (rf"\begin{{aligned}}{left} &= \mathbf{{w}}\cdot\mathbf{{{a}}} + b = \sum_i {a}_i w_i + b \\"
            rf" &= {ns.dot:.4f} {ns.bias:+.4f} = {ns.z:.4f}\end{{aligned}}")


def logit_latex(walk_: Walkthrough) -> str:
    """The winning digit's logit as the last hidden layer's weighted sum, with its numbers, on two lines."""
    k = walk_.prediction
    return (rf"\begin{{aligned}}\mathrm{{logit}}_{k} &= \sum_j h_j\,W_{{j,{k}}} + b_{k} \\"
            rf" &= {walk_.logit_dots[k]:.4f} {walk_.logit_biases[k]:+.4f} = {walk_.logits[k]:.4f}\end{{aligned}}")


def softmax_latex(walk_: Walkthrough) -> str:
    """The winning digit's probability by softmax with its numbers; the shift m on a line of its own."""
    k = walk_.prediction
    return (rf"\begin{{aligned}}p_{k} &= \frac{{e^{{\mathrm{{logit}}_{k} - m}}}}{{\sum_j e^{{\mathrm{{logit}}_j - m}}}}"
            rf" = \frac{{{walk_.exps[k]:.6f}}}{{{walk_.exps.sum():.6f}}} = {walk_.probs[k]:.6f} \\"
            rf" m &= \max_j \mathrm{{logit}}_j = {walk_.logits.max():.4f}\end{{aligned}}")


def output_latex(ns: NeuronSum) -> str | None:
    """The activation applied to z with its numbers, or None for a logit (softmax acts on all ten together)."""
    if ns.is_logit:
        return None
    return rf"h = \mathrm{{{ns.activation}}}(z) = {activation_latex(ns.activation, ns.z)} = {ns.output:.4f}"


def neuron_caption(net: Network, ns: NeuronSum) -> str:
    """What the One neuron step says about the picked neuron's sum, in plain words."""
    if ns.from_pixels:
        what = (f"Neuron {ns.neuron} multiplies each of the 784 pixels by its weight and adds them up. Only the "
                f"{ns.ink} inked pixels count: red pixels on the right push z up, blue push it down. ")
    else:
        below = the_layer(net, ns.layer - 1)
        what = (f"Neuron {ns.neuron} of {the_layer(net, ns.layer)} multiplies each of the {len(ns.inputs)} "
                f"outputs h of {below} by its weight and adds them up. Only the {ns.ink} that are not 0 count: "
                "red bars push z up, blue push it down. ")
    if ns.is_logit:
        return what + "This z is the digit's score (its logit); softmax (step 4) turns all ten into probabilities."
    if ns.activation == "relu":
        return what + "Then ReLU keeps z if positive, else outputs 0."
    return what + f"Then {ns.activation} turns z into the output."


def layers_caption(net: Network, walk_: Walkthrough) -> str:
    """What the Hidden layer step says: how many neurons fire (output > 0) in each hidden layer (with ReLU: other
    activations are never silent), and the picked neuron's output (the white bar) when it is a hidden one."""
    ns = walk_.neuron
    fired = [int(np.count_nonzero(h > 0)) for h in walk_.hiddens]
    if net.activation != "relu":  # only ReLU outputs exactly 0: counting neurons that "fire" would say nothing
        said = (f"Every neuron does the same sum with its own weights over the layer below. With {net.activation} no "
                "neuron is silent: each passes its output on, however small (or negative). ")
    elif net.depth == 1:
        said = (f"All {net.widths[0]} hidden neurons do the same sum with their own weights; {fired[0]} fire for "
                "this digit (the Layers page's \"Active neurons\"). ")
    else:
        counts = ", ".join(f"{n} of {w} in {layer_name(net, i)}"
                           for i, (n, w) in enumerate(zip(fired, net.widths, strict=True)))
        said = (f"Every neuron does the same sum with its own weights over the layer below. For this digit {counts} "
                "fire (output above 0; the Layers page's \"Active neurons\"). ")
    if ns.is_logit:
        return said + "You picked an output neuron: step 3 shows the logits."
    where = "" if net.depth == 1 else f" of {the_layer(net, ns.layer)}"
    return said + f"Neuron {ns.neuron}{where} (white) outputs {ns.output:.4f}."
