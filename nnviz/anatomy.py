"""Pure numpy anatomy of the network for one digit: what the Flatten, Layers and Weights pages show.

Everything here is computed from a `Network` snapshot and `network.forward`, so the numbers on
those pages are the model's own (tests compare them with Keras's intermediate outputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.network import ACTIVATIONS, CLASSES, SIDE, Activations, Network, forward, hidden_names

PIXELS = SIDE * SIDE
ORDERS = ("index", "activation", "weight norm")  # ways to sort the first-layer tiles
MOVED = ("Mosaic", "symmetric_range", "tile_mosaic")  # now in nnviz.figures.common


def __getattr__(name: str):
    """The views' old names for what moved to figures.common, imported only when asked for, so this module
    stays numpy-only. It goes when the views move to the stack API (issue 15)."""
    if name in MOVED:
        from nnviz.figures import common
        return getattr(common, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- Flatten: where each pixel goes -------------------------------------------------------------

def flat_index(row, col):
    """Pixel (row, col) of the 28×28 image → its index in the 784-long input: 28·row + col."""
    return np.asarray(row) * SIDE + np.asarray(col)


def pixel_of(index) -> tuple:
    """Input index → (row, col) of the pixel it came from; the inverse of `flat_index`."""
    return np.divmod(np.asarray(index), SIDE)


def row_band(row: int) -> tuple[int, int]:
    """Half-open range [start, stop) of input indices that hold image row `row`."""
    if not 0 <= row < SIDE:
        raise ValueError(f"row must be in 0..{SIDE - 1}, got {row}")
    return row * SIDE, (row + 1) * SIDE


# --- Layers: activations, sparsity, dropout -----------------------------------------------------

@dataclass(frozen=True)
class Sparsity:
    """How many hidden units output exactly 0 (silent) versus something else (active)."""

    width: int
    silent: int

    @property
    def active(self) -> int:
        return self.width - self.silent

    @property
    def fraction_active(self) -> float:
        return self.active / self.width


def sparsity(hidden: np.ndarray) -> Sparsity:
    return Sparsity(int(hidden.size), int(np.count_nonzero(hidden == 0)))


def top_neurons(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest values, largest first (ties broken by lower index)."""
    k = min(k, values.size)
    return np.argsort(-values, kind="stable")[:k]


@dataclass(frozen=True)
class LayerView:
    """Every layer's output for one digit, as the Layers page shows it.

    `acts` is what flows through the page's diagram: the inference pass, or a training-mode pass
    when dropout masks are given. `inference` is always the plain inference pass (dropout off).
    """

    acts: Activations
    inference: Activations
    masks: tuple[np.ndarray, ...] | None  # one dropout mask per hidden layer, in training mode
    sparsities: tuple[Sparsity, ...]      # each hidden layer's, at inference
    top: np.ndarray  # the first hidden layer's units that fired most, strongest first

    @property
    def training(self) -> bool:
        return self.masks is not None

    @property
    def mask(self) -> np.ndarray | None:
        """The first hidden layer's mask (the only one at depth 1)."""
        return None if self.masks is None else self.masks[0]

    @property
    def sparsity(self) -> Sparsity:
        return self.sparsities[0]

    def dropped(self) -> list[tuple[int, int]]:
        """(dropped, width) per hidden layer under this view's masks; empty at inference."""
        return [] if self.masks is None else [(int(m.size - m.sum()), int(m.size)) for m in self.masks]


def layer_view(net: Network, image: np.ndarray, dropout_masks=None, top_k: int = 12) -> LayerView:
    """dropout_masks: None (inference), one mask per hidden layer, or a single array for the first."""
    if isinstance(dropout_masks, np.ndarray):
        dropout_masks = (dropout_masks,)
    inference = forward(net, image)
    acts = inference if dropout_masks is None else forward(net, image, dropout_masks)
    return LayerView(acts, inference, None if dropout_masks is None else tuple(dropout_masks),
                     tuple(sparsity(h) for h in inference.hiddens), top_neurons(inference.hiddens[0], top_k))


def layer_metrics(view: LayerView) -> list[tuple[str, str, str]]:
    """(label, value, help) of the hidden layers' sparsity: two metrics for one layer, one per layer deeper."""
    if len(view.sparsities) == 1:
        s = view.sparsity
        return [("Active neurons", f"{s.active} of {s.width}", "Hidden outputs that are not exactly 0."),
                ("Silent (exactly 0)", f"{s.silent} ({1 - s.fraction_active:.0%})", "")]
    return [(f"Layer {i} active", f"{s.active} of {s.width}",
             f"Layer {i}'s outputs that are not exactly 0; {s.silent} are silent.")
            for i, s in enumerate(view.sparsities, 1)]


def layer_roles(net: Network) -> str:
    """What each hidden layer is, in a sentence or two (depth 1: none needed beyond the page's text)."""
    if net.depth == 1:
        return ""
    widths = net.widths
    later = ", ".join(f"layer {i + 1} ({w}) reads layer {i}'s {widths[i - 1]} outputs"
                      for i, w in enumerate(widths[1:], 1))
    return (f"This network has {net.depth} hidden layers. Layer 1 ({widths[0]} neurons) reads the 784 pixels "
            f"directly; {later}, so each later layer combines the patterns found below it. "
            f"The logits read the last layer's {widths[-1]} outputs.")


# --- Node-link diagram: the strongest connections for this digit --------------------------------

@dataclass(frozen=True)
class Edges:
    """Connections src → dst with their weight and contribution (weight × the source's activation)."""

    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    contribution: np.ndarray


def strongest_edges(weights: np.ndarray, activations: np.ndarray, k: int,
                    sources: np.ndarray | None = None, targets: np.ndarray | None = None) -> Edges:
    """The k edges with the largest |weight × activation| (zero contributions never count).

    `weights` is (n_in, n_out) and `activations` (n_in,); `sources`/`targets` restrict the search
    to some inputs/outputs. Returned indices are global, strongest edge first.
    """
    sources = np.arange(weights.shape[0]) if sources is None else np.asarray(sources)
    targets = np.arange(weights.shape[1]) if targets is None else np.asarray(targets)
    sub = weights[np.ix_(sources, targets)]
    contrib = activations[sources, None] * sub
    magnitude = np.abs(contrib).ravel()
    k = min(k, int(np.count_nonzero(magnitude)))
    if k == 0:
        empty = np.empty(0)
        return Edges(empty.astype(int), empty.astype(int), empty, empty)
    best = np.argpartition(-magnitude, k - 1)[:k]  # O(n), then sort only the k winners
    best = best[np.argsort(-magnitude[best], kind="stable")]
    i, j = np.divmod(best, len(targets))
    return Edges(sources[i], targets[j], sub[i, j], contrib[i, j])


LEGIBLE_UNITS = {1: 32, 2: 20, 3: 16, 4: 14}  # hidden units drawn per layer: fewer as columns get closer
INPUT_EDGES = {1: 160}                         # pixel → layer 1 edges drawn; 100 deeper


@dataclass(frozen=True)
class NodeLink:
    """What the node-link diagram draws: a legible subset of each hidden layer's units and the strongest edges."""

    units: tuple[np.ndarray, ...]  # shown units of each hidden layer, in index order
    edges: tuple[Edges, ...]       # pixel → layer 1, layer 1 → layer 2, …, last layer → digit

    @property
    def hidden_units(self) -> np.ndarray:
        return self.units[0]

    @property
    def input_edges(self) -> Edges:
        return self.edges[0]

    @property
    def output_edges(self) -> Edges:
        return self.edges[-1]


def node_link(net: Network, acts: Activations, hidden_units: int | None = None, input_edges: int | None = None,
              output_edges: int = 60, between_edges: int = 60) -> NodeLink:
    """Pick in each layer the hidden units on the strongest paths for this digit, and the strongest edges between.

    The last hidden layer's units are ranked by how much they move the logits, Σ_c |output × w[unit, c]|;
    each layer below by how much it feeds the units shown above it, Σ_k |output × w[unit, k]| · r_k, with
    r_k the shown unit's own share (its rank score over the layer's largest). Silent units (output 0) have
    none, so they are left out first. Every unit and every edge (4 × 512 wide: 1.3 million) would be an
    unreadable hairball.
    """
    depth = net.depth
    per_layer = hidden_units or LEGIBLE_UNITS.get(depth, 12)
    relevance = np.ones(CLASSES, np.float32)  # every digit's logit counts alike, as at depth 1
    units: list[np.ndarray] = [np.empty(0, int)] * depth
    for i in reversed(range(depth)):
        score = np.abs(acts.drops[i][:, None] * net.kernels[i + 1]) @ relevance
        units[i] = np.sort(top_neurons(score, min(per_layer, score.size)))
        relevance = np.zeros_like(score)
        relevance[units[i]] = score[units[i]] / (score.max() or 1.0)  # only paths through what is drawn
    edges = [strongest_edges(net.kernels[0], acts.inputs, input_edges or INPUT_EDGES.get(depth, 100),
                             targets=units[0])]
    edges += [strongest_edges(net.kernels[i], acts.drops[i - 1], between_edges, sources=units[i - 1], targets=units[i])
              for i in range(1, depth)]
    edges.append(strongest_edges(net.kernels[-1], acts.drops[-1], output_edges, sources=units[-1]))
    return NodeLink(tuple(units), tuple(edges))


# --- Contribution map: which pixels pushed toward a digit ---------------------------------------

@dataclass(frozen=True)
class Contribution:
    """Pixel-by-pixel account of one class's logit for one digit.

    `pixels` (28×28) is input × effective weight; its sum plus `bias` equals `logit` exactly.
    `bias` = `output_bias` (the class's own b2) + `hidden_bias` (the hidden biases, carried
    through the same gates as the pixels).
    """

    digit: int
    pixels: np.ndarray             # (28, 28) x_i · w_eff[i]
    effective_weights: np.ndarray  # (28, 28) w_eff: what this class looks for, given this digit's gates
    output_bias: float
    hidden_bias: float
    logit: float

    @property
    def bias(self) -> float:
        return self.output_bias + self.hidden_bias


def _exact(net: Network) -> Network:
    return Network.of(*(a.astype(np.float64) for a in net.arrays()), activation=net.activation, dropout=net.dropout)


def _compose(net: Network, acts: Activations, layer: int, path: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Carry `path` (∂ some z of Dense layer `layer` / ∂ the output of the layer below it; a vector or one
    column per unit) back through the gates and kernels below, to the pixels. Returns (pixel weights, the
    biases below as they reach those z). The rule is `contribution_map`'s; `acts` is a float64 pass."""
    masks = acts.masks or (None,) * net.depth
    f0 = float(ACTIVATIONS[net.activation](np.float64(0.0)))
    lower_bias = np.zeros(path.shape[1:])
    for i in reversed(range(layer)):  # the hidden layers below, top first
        z, h = acts.zs[i], acts.hiddens[i]
        gate = np.where(z == 0, 0.0, (h - f0) / np.where(z == 0, 1.0, z))  # z = 0 contributes g·0 = 0 whatever g is
        scale = 1.0 if masks[i] is None else np.asarray(masks[i], np.float64) / (1.0 - net.dropout)
        through = scale * gate if path.ndim == 1 else (scale * gate)[:, None]
        lower_bias = lower_bias + (scale * (gate * net.biases[i] + f0)) @ path
        path = net.kernels[i] @ (through * path)  # back through this layer's gates and kernel
    return path, lower_bias


def contribution_map(net: Network, image: np.ndarray, digit: int, dropout_masks=None) -> Contribution:
    """Split the logit of `digit` into one contribution per input pixel, exactly, through any depth.

    Why this is exact: for this digit, each hidden unit j passes its pre-activation z_j through a
    gate. Write its output as h_j = g_j·z_j + f(0) with g_j = (f(z_j) − f(0)) / z_j. For ReLU,
    f(0) = 0 and g_j is exactly 1 for an active unit and 0 for a silent one (sigmoid and tanh get
    their secant slope). Dropout scales h_j by s_j = mask_j / (1 − rate), or 1 at inference. With the
    gates fixed, every layer is affine in the pixels, so for one hidden layer

        logit_c = Σ_j s_j·h_j·W2[j,c] + b2[c]
                = Σ_i x_i · w_eff[i]  +  Σ_j s_j·(g_j·b1[j] + f(0))·W2[j,c]  +  b2[c]

    with w_eff[i] = Σ_j W1[i,j]·s_j·g_j·W2[j,c]: the class's effective weights, i.e. the paths from
    pixel i through the units that are on for this digit. Deeper, w_eff = W1·D1·W2·D2 ⋯ W_last[:, c]
    with D = diag(s·g), and each layer's biases ride the gates above them into `hidden_bias`, so
    map.sum() = logit − (b_last[c] + hidden_bias). Computed in float64 so the identity holds to
    rounding, not to float32 noise.
    """
    if not 0 <= digit <= 9:
        raise ValueError(f"digit must be 0..9, got {digit}")
    exact = _exact(net)
    acts = forward(exact, image, dropout_masks, dtype=np.float64)
    path, hidden_bias = _compose(exact, acts, net.depth, exact.kernels[-1][:, digit])
    return Contribution(digit, (acts.inputs * path).reshape(SIDE, SIDE), path.reshape(SIDE, SIDE),
                        float(net.biases[-1][digit]), float(hidden_bias), float(acts.logits[digit]))


def contribution_meaning(activation: str) -> str:
    """What the contribution map and the composed weights are, for this activation: said plainly."""
    if activation in ("relu", "linear"):
        return ("With {a} the network is piecewise linear: for this digit, the neurons that fired form a fixed "
                "linear map from pixels to the score, so the effective weights are that map (the score's gradient) "
                "and the contributions add up exactly.").format(a="ReLU" if activation == "relu" else "no activation")
    return (f"With {activation} no neuron is simply on or off, so each is replaced by its slope from 0 to where "
            f"this digit put it, f(z)/z. The contributions still add up exactly, but the effective weights "
            f"are not the gradient: a pixel's share is not what changing it alone would do.")


@dataclass(frozen=True)
class Composed:
    """Hidden neurons' pre-activations z, for one digit, written as pixels × effective weights + biases, exactly."""

    layer: int                     # hidden layer, counting from 0
    units: np.ndarray              # the neurons
    effective_weights: np.ndarray  # (n, 28, 28): the neuron's weights carried back to the pixels through the gates
    pixels: np.ndarray             # (n, 28, 28): x × effective weights
    bias: np.ndarray               # (n,) its own bias plus the biases below as they reach it
    z: np.ndarray                  # (n,) its z for this digit: pixels.sum() + bias

    def kernel(self, width: int) -> np.ndarray:
        """As a (784, width) first-layer kernel, zero outside `units`: what the tile mosaic lays out."""
        out = np.zeros((PIXELS, width))
        out[:, self.units] = self.effective_weights.reshape(len(self.units), PIXELS).T
        return out


def composed_weights(net: Network, image: np.ndarray, layer: int, units) -> Composed:
    """What hidden neurons of `layer` respond to in pixel space, for this digit: their kernel columns composed
    back through the gates of the layers below as this digit set them (the first layer's are its own weights).
    Exact for this digit only: another digit opens other paths and gives other pictures."""
    if not 0 <= layer < net.depth:
        raise ValueError(f"layer must be in 0..{net.depth - 1}, got {layer}")
    units = np.atleast_1d(np.asarray(units, dtype=int))
    exact = _exact(net)
    acts = forward(exact, image, dtype=np.float64)
    path, lower_bias = _compose(exact, acts, layer, exact.kernels[layer][:, units])
    effective = path.T.reshape(-1, SIDE, SIDE)
    return Composed(layer, units, effective, effective * acts.inputs.reshape(SIDE, SIDE),
                    exact.biases[layer][units] + lower_bias, acts.zs[layer][units])


# --- Weights: tiles, histograms, parameter table ------------------------------------------------

def neuron_order(net: Network, by: str = "index", hidden: np.ndarray | None = None, layer: int = 0) -> np.ndarray:
    """A hidden layer's units in display order: by index, by this digit's activation (`hidden`, that layer's
    outputs), or by the norm of their incoming weights."""
    width = net.widths[layer]
    if by == "index":
        return np.arange(width)
    if by == "activation":
        if hidden is None:
            raise ValueError("sorting by activation needs the hidden activations")
        return top_neurons(hidden, width)
    if by == "weight norm":
        return top_neurons(np.linalg.norm(net.kernels[layer], axis=0), width)
    raise ValueError(f"unknown order {by!r}; choose one of {ORDERS}")


def layer_choices(net: Network) -> list[str]:
    """The Weights page's layer picker: each hidden layer with what it reads."""
    sizes = ("784 pixels", *(f"layer {i}'s {w} outputs" for i, w in enumerate(net.widths, 1)))
    return [f"Layer {i}: {w} neurons, reading {sizes[i - 1]}" for i, w in enumerate(net.widths, 1)]


def page_of(order: np.ndarray, page: int, per_page: int) -> np.ndarray:
    """One page of tiles: a slice of the display order (pages count from 0)."""
    pages = page_count(len(order), per_page)
    if not 0 <= page < pages:
        raise ValueError(f"page must be in 0..{pages - 1}, got {page}")
    return order[page * per_page:(page + 1) * per_page]


def page_count(n: int, per_page: int) -> int:
    return max(1, -(-n // per_page))


def tensors(net: Network) -> dict[str, np.ndarray]:
    """The model's weight tensors, kernel and bias per Dense layer, named as a learner meets them."""
    names = [name.replace("_", " ") for name in (*hidden_names(net.depth), "logits")]
    return {f"{name} {part}": array for name, kernel, bias in zip(names, net.kernels, net.biases, strict=True)
            for part, array in (("kernel", kernel), ("bias", bias))}


@dataclass(frozen=True)
class Histogram:
    name: str
    edges: np.ndarray              # shared bin edges, so models compare bar for bar
    counts: dict[str, np.ndarray]  # model label → counts per bin


def layer_tensors(net: Network, layer: int) -> list[str]:
    """Names (as `tensors` gives them) of a hidden layer's kernel and bias, then the logits layer's."""
    names = list(tensors(net))
    return names[2 * layer:2 * layer + 2] + names[-2:]


def weight_histograms(nets: dict[str, Network], bins: int = 60, names: list[str] | None = None) -> list[Histogram]:
    """Per-tensor histograms of several models over common bins (e.g. trained and freshly initialised);
    `names` picks some tensors (all by default)."""
    out = []
    for name in names or tensors(next(iter(nets.values()))):
        arrays = {label: tensors(net)[name].ravel() for label, net in nets.items()}
        lo = min(float(a.min()) for a in arrays.values())
        hi = max(float(a.max()) for a in arrays.values())
        if hi - lo < 1e-6:  # e.g. freshly initialised biases: all exactly 0
            lo, hi = lo - 0.05, hi + 0.05
        edges = np.linspace(lo, hi, bins + 1)
        out.append(Histogram(name, edges, {label: np.histogram(a, edges)[0] for label, a in arrays.items()}))
    return out


@dataclass(frozen=True)
class ParamRow:
    layer: str
    kind: str
    output_shape: str
    params: int


def parameter_table(net: Network) -> list[ParamRow]:
    """The rows of Keras's model.summary(): layer (type), output shape, parameter count."""
    sizes = [PIXELS] + [width for width in net.widths for _ in ("dense", "dropout")] + [CLASSES]
    rows = []
    for (name, count), size in zip(net.param_counts(), sizes, strict=True):
        kind = "Flatten" if name == "flatten" else "Dropout" if name.startswith("dropout") else "Dense"
        rows.append(ParamRow(name, kind, f"(None, {size})", count))
    return rows


def total_params(rows: list[ParamRow]) -> int:
    return sum(r.params for r in rows)


def parameter_sums(net: Network) -> str:
    """Where the parameters are, as sums a learner can check: '784 × 128 + 128 in the hidden layer, …'."""
    sizes = (PIXELS, *net.widths)
    names = ["the hidden layer"] if net.depth == 1 else [f"hidden layer {i}" for i in range(1, net.depth + 1)]
    parts = [f"{n_in} × {n_out} + {n_out} in {name}"
             for n_in, n_out, name in zip(sizes, net.widths, names, strict=False)]
    return ", ".join([*parts, f"{net.widths[-1]} × 10 + 10 in the output layer"])


# --- What the pages say, for any depth ------------------------------------------------------------

def dropout_summary(view: LayerView, rate: float) -> str:
    """What this view's training-mode masks did, in Markdown."""
    counts = view.dropped()
    scale = f"1/(1 − {rate:g}) = **{1 / (1 - rate):.3g}**"
    answer = (f"Answer: **{view.inference.prediction}** without dropout, **{view.acts.prediction}** with "
              f"{'this mask' if len(counts) == 1 else 'these masks'}.")
    if len(counts) == 1:
        (dropped, width), = counts
        return (f"This mask dropped **{dropped}** of {width} neurons (purple). The {width - dropped} survivors are "
                f"multiplied by {scale}, so the next layer gets the same total on average. {answer}")
    each = ", ".join(f"**{dropped}** of {width} in layer {i}" for i, (dropped, width) in enumerate(counts, 1))
    return (f"One mask per layer dropped {each} (purple). Every survivor is multiplied by {scale}, so each next "
            f"layer gets the same total on average. {answer}")


def dropout_off(depth: int) -> str:
    if depth == 1:
        return ("Dropout is off while answering: its column equals the hidden column. Switch on training mode to "
                "see one random mask.")
    return ("Dropout is off while answering: every neuron passes. Switch on training mode to see one random mask "
            "per layer.")


def composed_meaning(activation: str) -> str:
    """What a deeper neuron's picture in pixel space is and is not, said plainly."""
    slope = "" if activation in ("relu", "linear") else (
        f" With {activation}, each neuron below is replaced by its slope from 0 to where your digit put it, "
        "so the picture adds up exactly but is not the gradient.")
    return ("A deeper neuron has no weight per pixel. Each tile is its weights carried back to the pixels "
            "through the neurons below, as your digit set them: ink on red raises its z, ink on blue lowers it, "
            "and pixels × tile + bias add up exactly to its z for your digit. It is not a fixed picture of what "
            "the neuron detects: another digit opens other paths and gives another picture." + slope)


def ranking_title(depth: int) -> str:
    return "Which neurons fired most" + ("" if depth == 1 else " in layer 1")


def contribution_caption(contrib: Contribution, depth: int, activation: str) -> str:
    """How the contribution map adds up to the logit, and what it is for this activation."""
    through = "the hidden biases of the neurons that fired" if depth == 1 else "every hidden layer's biases"
    return (f"Left to right: your digit, the effective weights for {contrib.digit}, and their product, each pixel's "
            f"push toward {contrib.digit} (red) or away (blue). The map adds up to {contrib.pixels.sum():.3f}. "
            f"Add the biases, {contrib.bias:.3f} (the digit's own "
            f"{contrib.output_bias:.3f} plus {contrib.hidden_bias:.3f} from {through}), and you get the logit of "
            f"{contrib.digit}: {contrib.logit:.3f}. " + contribution_meaning(activation))


def node_link_caption(net: Network, links: NodeLink) -> str:
    """What the node-link diagram leaves out, and how it chose what it draws."""
    edges = sum(e.src.size for e in links.edges)
    total = sum(k.size for k in net.kernels)
    if net.depth == 1:
        chosen = f"the {links.units[0].size} of {net.widths[0]} hidden neurons whose outputs move the ten scores most"
    else:
        counts = ", ".join(f"{u.size} of {w} in layer {i}" for i, (u, w) in enumerate(zip(links.units, net.widths,
                                                                                       strict=True), 1))
        chosen = (f"the neurons on the strongest paths for this digit ({counts}): in the last layer those that move "
                  "the scores most, in each layer below those that feed the drawn neurons above most")
    return (f"Red edges push the next neuron up, blue ones push it down; thicker is stronger. Drawn: {chosen}, and "
            f"the {edges:,} strongest of the network's {total:,} connections between them (weight × the activation "
            "it carries). Everything else would be an unreadable hairball.")


# What a hidden neuron does after its weighted sum, in the Layers page's own words, per activation.
ACTIVATION_WORDS = {
    "relu": "applies ReLU, which turns negative totals into 0. Grey neurons are silent; only some fire, and "
            "that sparsity is normal.",
    "sigmoid": "applies the sigmoid, which squeezes every total into 0 to 1: no neuron is ever exactly silent, "
               "but one near 0 says little.",
    "tanh": "applies tanh, which squeezes every total into −1 to 1: no neuron is ever exactly silent.",
    "linear": "passes the total on unchanged (no activation). Without a non-linearity, stacked layers add up "
              "to one linear map, however deep.",
}


def layers_intro(activation: str) -> str:
    """The Layers page's opening paragraph, true for the network's activation."""
    return ("Your digit's 784 numbers enter on the left. Every hidden neuron is connected to all of the layer "
            "before (fully connected): it multiplies each input by a weight, adds them up, adds its bias, and "
            f"{ACTIVATION_WORDS[activation]} Dropout switches off random neurons during training only, so the "
            "network cannot lean on a few; when answering it passes everything through. The last layer gives "
            "each digit a raw score, its logit, and softmax turns the ten logits into probabilities that add "
            "up to 100%.")
