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
    when a dropout mask is given. `inference` is always the plain inference pass (dropout off).
    """

    acts: Activations
    inference: Activations
    mask: np.ndarray | None
    sparsity: Sparsity
    top: np.ndarray  # the hidden units that fired most, strongest first

    @property
    def training(self) -> bool:
        return self.mask is not None


def layer_view(net: Network, image: np.ndarray, dropout_mask: np.ndarray | None = None,
               top_k: int = 12) -> LayerView:
    inference = forward(net, image)
    acts = inference if dropout_mask is None else forward(net, image, dropout_mask)
    return LayerView(acts, inference, dropout_mask, sparsity(inference.hidden),
                     top_neurons(inference.hidden, top_k))


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


@dataclass(frozen=True)
class NodeLink:
    """What the node-link diagram draws: a legible subset of hidden units and the strongest edges."""

    hidden_units: np.ndarray  # shown hidden units, in index order
    input_edges: Edges        # pixel → hidden unit
    output_edges: Edges       # hidden unit → digit


def node_link(net: Network, acts: Activations, hidden_units: int = 32, input_edges: int = 160,
              output_edges: int = 60) -> NodeLink:
    """Pick the hidden units whose outputs move the logits most, and the strongest edges around them.

    A unit's influence is Σ_c |output × w2[unit, c]|: silent units (output 0) have none, so they are
    left out first. Showing every unit and all 784·width edges would be an unreadable hairball.
    """
    influence = np.abs(acts.dropped[:, None] * net.w2).sum(axis=1)
    shown = np.sort(top_neurons(influence, min(hidden_units, net.width)))
    return NodeLink(
        shown,
        strongest_edges(net.w1, acts.inputs, input_edges, targets=shown),
        strongest_edges(net.w2, acts.dropped, output_edges, sources=shown),
    )


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
    exact = Network.of(*(a.astype(np.float64) for a in net.arrays()), activation=net.activation, dropout=net.dropout)
    acts = forward(exact, image, dropout_masks, dtype=np.float64)
    masks = acts.masks or (None,) * net.depth
    f = ACTIVATIONS[net.activation]
    f0 = float(f(np.float64(0.0)))
    path = exact.kernels[-1][:, digit]  # ∂logit/∂(a layer's output), top layer first
    hidden_bias = 0.0
    for z, h, bias, kernel, mask in reversed(list(zip(acts.zs, acts.hiddens, exact.biases, exact.kernels, masks,
                                                      strict=False))):
        gate = np.where(z == 0, 0.0, (h - f0) / np.where(z == 0, 1.0, z))  # z = 0 contributes g·0 = 0 whatever g is
        scale = 1.0 if mask is None else np.asarray(mask, np.float64) / (1.0 - net.dropout)
        hidden_bias += float(np.sum(scale * (gate * bias + f0) * path))
        path = kernel @ (scale * gate * path)  # back through this layer's gates and kernel
    x = acts.inputs
    return Contribution(digit, (x * path).reshape(SIDE, SIDE), path.reshape(SIDE, SIDE),
                        float(net.biases[-1][digit]), hidden_bias, float(acts.logits[digit]))


# --- Weights: tiles, histograms, parameter table ------------------------------------------------

def neuron_order(net: Network, by: str = "index", hidden: np.ndarray | None = None) -> np.ndarray:
    """First-layer units in display order: by index, by this digit's activation, or by weight norm."""
    width = net.widths[0]
    if by == "index":
        return np.arange(width)
    if by == "activation":
        if hidden is None:
            raise ValueError("sorting by activation needs the hidden activations")
        return top_neurons(hidden, width)
    if by == "weight norm":
        return top_neurons(np.linalg.norm(net.kernels[0], axis=0), width)
    raise ValueError(f"unknown order {by!r}; choose one of {ORDERS}")


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


def weight_histograms(nets: dict[str, Network], bins: int = 60) -> list[Histogram]:
    """Per-tensor histograms of several models over common bins (e.g. trained and freshly initialised)."""
    out = []
    for name in tensors(next(iter(nets.values()))):
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
