"""Pure numpy anatomy of the network for one digit: what the Flatten, Layers and Weights pages show.

Everything here is computed from a `Network` snapshot and `network.forward`, so the numbers on
those pages are the model's own (tests compare them with Keras's intermediate outputs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.network import ACTIVATIONS, Activations, Network, forward

SIDE = 28
PIXELS = SIDE * SIDE
ORDERS = ("index", "activation", "weight norm")  # ways to sort the first-layer tiles


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


def contribution_map(net: Network, image: np.ndarray, digit: int,
                     dropout_mask: np.ndarray | None = None) -> Contribution:
    """Split the logit of `digit` into one contribution per input pixel, exactly.

    Why this is exact: for this digit, each hidden unit j passes its pre-activation z_j through a
    gate. Write its output as h_j = g_j·z_j + f(0) with g_j = (f(z_j) − f(0)) / z_j. For ReLU,
    f(0) = 0 and g_j is exactly 1 for an active unit and 0 for a silent one (sigmoid and tanh get
    their secant slope). Dropout scales h_j by s_j = mask_j / (1 − rate), or 1 at inference. Then

        logit_c = Σ_j s_j·h_j·W2[j,c] + b2[c]
                = Σ_i x_i · w_eff[i]  +  Σ_j s_j·(g_j·b1[j] + f(0))·W2[j,c]  +  b2[c]

    with w_eff[i] = Σ_j W1[i,j]·s_j·g_j·W2[j,c]: the class's effective weights, i.e. the paths from
    pixel i through the units that are on for this digit. The first sum is the map; the hidden
    biases ride the same gates into `hidden_bias`, so map.sum() = logit − (b2[c] + hidden_bias).
    Computed in float64 so the identity holds to rounding, not to float32 noise.
    """
    if not 0 <= digit <= 9:
        raise ValueError(f"digit must be 0..9, got {digit}")
    f = ACTIVATIONS[net.activation]
    w1, b1, w2, b2 = (np.asarray(a, np.float64) for a in (net.w1, net.b1, net.w2, net.b2))
    x = np.asarray(image, np.float64).reshape(PIXELS)
    z = x @ w1 + b1
    f0 = float(f(np.float64(0.0)))
    safe = np.where(z == 0, 1.0, z)
    gate = np.where(z == 0, 0.0, (f(z) - f0) / safe)  # z = 0 contributes g·0 = 0 whatever g is
    scale = np.ones_like(z) if dropout_mask is None else np.asarray(dropout_mask, np.float64) / (1.0 - net.dropout)
    path = scale * gate * w2[:, digit]  # (width,) how much one unit of z_j moves this logit
    w_eff = w1 @ path
    hidden_bias = float(np.sum(scale * (gate * b1 + f0) * w2[:, digit]))
    logit = float((scale * f(z)) @ w2[:, digit] + b2[digit])
    return Contribution(digit, (x * w_eff).reshape(SIDE, SIDE), w_eff.reshape(SIDE, SIDE),
                        float(b2[digit]), hidden_bias, logit)


# --- Weights: tiles, histograms, parameter table ------------------------------------------------

def neuron_order(net: Network, by: str = "index", hidden: np.ndarray | None = None) -> np.ndarray:
    """Hidden units in display order: by index, by this digit's activation, or by weight norm."""
    if by == "index":
        return np.arange(net.width)
    if by == "activation":
        if hidden is None:
            raise ValueError("sorting by activation needs the hidden activations")
        return top_neurons(hidden, net.width)
    if by == "weight norm":
        return top_neurons(np.linalg.norm(net.w1, axis=0), net.width)
    raise ValueError(f"unknown order {by!r}; choose one of {ORDERS}")


def page_of(order: np.ndarray, page: int, per_page: int) -> np.ndarray:
    """One page of tiles: a slice of the display order (pages count from 0)."""
    pages = page_count(len(order), per_page)
    if not 0 <= page < pages:
        raise ValueError(f"page must be in 0..{pages - 1}, got {page}")
    return order[page * per_page:(page + 1) * per_page]


def page_count(n: int, per_page: int) -> int:
    return max(1, -(-n // per_page))


@dataclass(frozen=True)
class Mosaic:
    """Many 28×28 weight tiles packed into one image (NaN in the gaps), for one heatmap."""

    values: np.ndarray   # (H, W) weights, NaN between tiles
    neuron: np.ndarray   # (H, W) which hidden unit each cell belongs to (-1 in gaps)
    row: np.ndarray      # (H, W) pixel row inside its tile (-1 in gaps)
    col: np.ndarray      # (H, W) pixel column inside its tile (-1 in gaps)
    neurons: np.ndarray  # the tiles' neurons, in reading order
    columns: int
    gap: int
    header: int          # empty rows above each row of tiles, room for their labels

    def origins(self) -> tuple[np.ndarray, np.ndarray]:
        """(y, x) of each tile's top-left pixel, in the order of `neurons`."""
        y, x = np.divmod(np.arange(len(self.neurons)), self.columns)
        return y * (self.header + SIDE + self.gap) + self.header, x * (SIDE + self.gap)


def tile_mosaic(w1: np.ndarray, neurons: np.ndarray, columns: int = 8, gap: int = 2, header: int = 0) -> Mosaic:
    """Lay out the incoming weights of `neurons` as 28×28 tiles, `columns` per row.

    One mosaic is one heatmap: far cheaper to draw than a subplot per neuron, even at width 1024.
    """
    neurons = np.asarray(neurons, dtype=int)
    n = len(neurons)
    columns = max(1, min(columns, n))
    rows = max(1, -(-n // columns))
    tall, wide = header + SIDE + gap, SIDE + gap  # one tile's slot
    r, c = np.indices((SIDE, SIDE))

    def pack(tile_values, fill):  # (n, 28, 28) → one (rows·tall − gap, columns·wide − gap) image
        slots = np.full((rows * columns, tall, wide), fill, dtype=np.result_type(tile_values, fill))
        slots[:n, header:header + SIDE, :SIDE] = tile_values
        image = slots.reshape(rows, columns, tall, wide).transpose(0, 2, 1, 3).reshape(rows * tall, columns * wide)
        return image[:rows * tall - gap, :columns * wide - gap]

    weights = np.asarray(w1)[:, neurons].T.reshape(n, SIDE, SIDE)
    ones = np.ones((n, SIDE, SIDE), dtype=int)
    return Mosaic(pack(weights, np.nan), pack(neurons[:, None, None] * ones, -1), pack(r * ones, -1),
                  pack(c * ones, -1), neurons, columns, gap, header)


def symmetric_range(values: np.ndarray, quantile: float = 0.995) -> float:
    """A colour limit ±m centred on 0 that a few outlying weights cannot wash out."""
    values = np.ravel(values)
    values = values[::max(1, values.size // 100_000)]  # a regular subsample is plenty for a colour limit
    m = float(np.quantile(np.abs(values), quantile)) if values.size else 0.0
    return m if m > 0 else 1.0


def tensors(net: Network) -> dict[str, np.ndarray]:
    """The model's four weight tensors, named as a learner meets them."""
    return {"hidden kernel": net.w1, "hidden bias": net.b1, "logits kernel": net.w2, "logits bias": net.b2}


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
    shapes = {"flatten": PIXELS, "hidden": net.width, "dropout": net.width, "logits": 10}
    kinds = {"flatten": "Flatten", "hidden": "Dense", "dropout": "Dropout", "logits": "Dense"}
    return [ParamRow(name, kinds[name], f"(None, {shapes[name]})", count) for name, count in net.param_counts()]


def total_params(rows: list[ParamRow]) -> int:
    return sum(r.params for r in rows)
