"""The hidden-layer map's core: 2,000 test digits through a network, one layer's activations (or the raw pixels)
projected to 2-D by PCA with fixed signs, the user's digit placed by the same projection, and live frames
aligned to the one before so they never flip."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from threadpoolctl import ThreadpoolController

from nnviz import data, network
from nnviz.network import Network

MAP_DIGITS = 2000  # the first 2,000 test digits: the same points on every map, every rerun, every session
PIXELS = 0         # layer 0 is the input: the raw 784 pixels; hidden layers count from 1
PCA_METHOD, TSNE_METHOD = "PCA", "t-SNE"
NEIGHBOURS = 10    # t-SNE places a new digit among this many of the map digits most like it


@dataclass(frozen=True, eq=False)
class Projection:
    """A fitted 2-D PCA: subtract the mean, multiply by the two components (rows), each signed so that its
    largest-|loading| entry is positive."""

    mean: np.ndarray        # (d,)
    components: np.ndarray  # (2, d)
    explained: np.ndarray   # (2,) the share of the variance each component keeps

    def __call__(self, features: np.ndarray) -> np.ndarray:
        """(n, d) or (d,) features → (n, 2) or (2,) coordinates."""
        return (np.asarray(features, np.float64) - self.mean) @ self.components.T


@dataclass(frozen=True, eq=False)
class Neighbours:
    """How a t-SNE map places a digit: t-SNE has no formula for a new point, so the digit goes to the mean place
    of the NEIGHBOURS map digits nearest to it in the layer's own space (a map digit lands among its neighbours)."""

    features: np.ndarray  # (n, d) the map digits' features
    coords: np.ndarray    # (n, 2) their t-SNE places
    explained = None      # no share of the spread: t-SNE keeps neighbours, not variance

    def __call__(self, features: np.ndarray) -> np.ndarray:
        f = np.asarray(features, np.float64)
        one = f.ndim == 1
        f = np.atleast_2d(f)
        # ‖a − b‖² = ‖a‖² − 2a·b + ‖b‖², without an (m, n, d) array
        distances = (f ** 2).sum(1)[:, None] - 2 * f @ self.features.T + (self.features ** 2).sum(1)[None, :]
        k = min(NEIGHBOURS, len(self.coords))
        nearest = np.argpartition(distances, k - 1, axis=1)[:, :k]
        placed = self.coords[nearest].mean(axis=1)
        return placed[0] if one else placed


@dataclass(frozen=True, eq=False)
class LayerMap:
    """Where one layer puts the map's digits: coordinates (n, 2), their true labels, and how."""

    layer: int
    coords: np.ndarray
    labels: np.ndarray
    projection: Projection | Neighbours


def map_digits(ds: data.Dataset, count: int = MAP_DIGITS) -> tuple[np.ndarray, np.ndarray]:
    """(images in [0, 1], labels) of the map's fixed test digits (index i is test digit #i)."""
    count = min(count, len(ds.y_test))
    return data.as_float(ds.x_test[:count]), np.asarray(ds.y_test[:count])


def layer_name(layer: int, net: Network | None = None) -> str:
    if layer == PIXELS:
        return "the raw pixels (784)"
    width = f" ({net.widths[layer - 1]} neurons)" if net is not None else ""
    return f"hidden layer {layer}{width}"


def chosen_layer(requested: int | None, depth: int) -> int:
    """The layer to show: the one asked for while the model has it, else its last hidden layer (a shallower
    model became active, or nothing was asked yet)."""
    return requested if requested is not None and 1 <= requested <= depth else depth


def features(net: Network, images: np.ndarray, layer: int) -> np.ndarray:
    """What the map projects: the flattened pixels (layer 0) or hidden layer `layer`'s activations (inference)."""
    if layer == PIXELS:
        return network.flatten(images)
    if not 1 <= layer <= net.depth:
        raise ValueError(f"This network has hidden layers 1 to {net.depth}, not {layer}")
    return network.forward(net, images).hiddens[layer - 1]


def fit(x: np.ndarray) -> Projection:
    """PCA to 2-D with deterministic signs. A layer of one neuron, or with no variance (every neuron silent),
    gets zero components where PCA has nothing to give, so its map is a line or a dot, never an error."""
    x = np.asarray(x, np.float64)
    mean = x.mean(axis=0)
    components, explained = np.zeros((2, x.shape[1])), np.zeros(2)
    k = min(2, x.shape[1], len(x) - 1)
    if k > 0 and np.ptp(x, axis=0).max() > 0:
        # "covariance_eigh": exact and deterministic (the default may pick randomised SVD), and fast for many
        # digits of few features
        pca = PCA(n_components=k, svd_solver="covariance_eigh").fit(x)
        components[:k], explained[:k] = pca.components_, pca.explained_variance_ratio_
    biggest = np.abs(components).argmax(axis=1)
    signs = np.where(components[np.arange(2), biggest] < 0, -1.0, 1.0)
    return Projection(mean, components * signs[:, None], explained)


def layer_map(net: Network | None, images: np.ndarray, labels: np.ndarray, layer: int) -> LayerMap:
    """The map of one layer (net may be None for the pixels)."""
    x = features(net, images, layer)
    projection = fit(x)
    return LayerMap(layer, projection(x), np.asarray(labels), projection)


_BLAS: list[ThreadpoolController] = []  # made once: each threadpool_limits() rescans every loaded library
_BLAS_LOCK = threading.Lock()


def one_thread():
    """A context in which numpy's BLAS (and OpenMP) run on one thread: training runs beside the server, and
    BLAS's spare threads spin on the core it needs. Through one ThreadpoolController, made on first use
    (threadpool_limits() makes a new one each time, rescanning every loaded library: ~3-7 ms of the
    server's CPU, holding the GIL, for every live map frame)."""
    with _BLAS_LOCK:
        if not _BLAS:
            _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1)


_TSNE_LOCK = threading.Lock()  # one t-SNE at a time per server: each keeps a core busy for tens of seconds


def tsne_map(net: Network | None, images: np.ndarray, labels: np.ndarray, layer: int) -> LayerMap:
    """The t-SNE map of one layer: neighbours in the layer stay neighbours on the map, so clusters show more
    clearly than in PCA, but distances between clusters and the axes mean nothing. Seeded, so a rerun on this
    machine gives the same picture; tens of seconds of one core for 2,000 digits, hence asked for, never live."""
    x = features(net, images, layer).astype(np.float64)
    with _TSNE_LOCK, one_thread():
        coords = TSNE(n_components=2, init="pca", perplexity=min(30.0, len(x) - 1.0), max_iter=500,
                      random_state=0).fit_transform(x)
    return LayerMap(layer, coords, np.asarray(labels), Neighbours(x, coords))


def place(net: Network | None, image: np.ndarray, m: LayerMap) -> np.ndarray:
    """Where the map puts a digit (28×28): its activations at the map's layer, through the map's projection.
    The star on the map."""
    return m.projection(features(net, image, m.layer))


def rotation(new: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """The orthogonal 2×2 matrix R (rotation or reflection) that brings the new frame closest to the previous
    one, point for point: min ‖new·R − previous‖ (orthogonal Procrustes, R = U·Vᵀ of newᵀ·previous). Both frames
    are centred on 0 (PCA coordinates are), so no shift is needed."""
    u, _, vt = np.linalg.svd(np.asarray(new, np.float64).T @ np.asarray(previous, np.float64))
    return u @ vt


def aligned(m: LayerMap, previous: np.ndarray | None) -> tuple[LayerMap, np.ndarray]:
    """The map turned (and maybe mirrored) to match the previous frame's coordinates, and the 2×2 turn, so a
    star placed by the map's projection turns with it. With no previous frame (or another number of points),
    the map as it is."""
    if previous is None or np.shape(previous) != m.coords.shape:
        return m, np.eye(2)
    r = rotation(m.coords, previous)
    turned = Projection(m.projection.mean, r.T @ m.projection.components, m.projection.explained)
    return LayerMap(m.layer, m.coords @ r, m.labels, turned), r


class MapCache:
    """Maps per (network, layer, method), kept while the network lives. Networks are immutable and compared by
    identity, so a rerun of the same model costs a dictionary look-up; a new snapshot is a new network."""

    def __init__(self):
        self._maps: weakref.WeakKeyDictionary[Network, dict[tuple[int, str], LayerMap]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()  # sessions rerun on their own threads

    def get(self, net: Network, images: np.ndarray, labels: np.ndarray, layer: int,
            method: str = PCA_METHOD) -> LayerMap:
        with self._lock:
            found = self._maps.get(net, {}).get((layer, method))
        if found is None:
            found = (tsne_map if method == TSNE_METHOD else layer_map)(net, images, labels, layer)
            with self._lock:
                self._maps.setdefault(net, {})[(layer, method)] = found
        return found


LIVE_SECONDS = 1.0  # the live map is made again at most this often: PCA of 2,000 digits costs ~0.1 s of a core


@dataclass(frozen=True, eq=False)
class LiveFrame:
    """One frame of the live map: which run, step and layer it shows, when it was made, and the aligned map."""

    run_id: str
    step: int
    layer: int
    made_at: float
    map: LayerMap
    net: Network  # the weights it maps: the star is placed with them, not with newer ones


def advance(previous: LiveFrame | None, run_id: str, step: int, net: Network, images: np.ndarray,
            labels: np.ndarray, layer: int, now: float) -> LiveFrame:
    """The next live frame: the previous one while it shows this step, or was made under LIVE_SECONDS ago;
    else the new weights' map, turned to match the previous frame of the same run and layer (never flipped)."""
    same = previous is not None and (previous.run_id, previous.layer) == (run_id, layer)
    if same and (previous.step == step or now - previous.made_at < LIVE_SECONDS):
        return previous
    with one_thread():
        m, _ = aligned(layer_map(net, images, labels, layer), previous.map.coords if same else None)
    return LiveFrame(run_id, step, layer, now, m, net)
