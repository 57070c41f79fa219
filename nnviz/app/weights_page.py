"""The Weights page's glue: the layer picker, a layer's tiles with their controls, and one neuron up close."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from nnviz import anatomy
from nnviz.app import resources, screen
from nnviz.app.charts import CHART
from nnviz.figures import common, weights
from nnviz.network import Activations, Network

TILE_COLUMNS = {16: 4, 36: 6, 64: 8}  # square-ish mosaics: legible beside the controls, and alone on a phone
ORDER_LABELS = {"index": "neuron number", "activation": "how strongly it fires for your digit",
                "weight norm": "weight strength"}


_figures: weakref.WeakKeyDictionary[Network, dict[Hashable, go.Figure]] = weakref.WeakKeyDictionary()
_figures_lock = threading.Lock()


def per_network(net: Network, key: Hashable, build: Callable[[], go.Figure]) -> go.Figure:
    """A figure of the network's weights alone (no digit in it), built once per network and `key` and shared
    by every session that shows that network: a Network's arrays are read-only, so its figures never go stale
    (st.plotly_chart only reads a figure). Dropped with the network. A rerun with a new digit, the page's
    usual one, then skips the histograms (~25 ms at 4 × 512), the raw kernels and the output layer."""
    with _figures_lock:
        fig = _figures.get(net, {}).get(key)
    if fig is None:
        fig = build()
        with _figures_lock:
            _figures.setdefault(net, {})[key] = fig
    return fig


def pick_layer(net: Network) -> int:
    """The hidden layer the page shows, counting from 0: a picker when there is more than one."""
    if net.depth == 1:
        return 0
    choices = anatomy.layer_choices(net)
    return st.selectbox("Layer", range(net.depth), format_func=choices.__getitem__, key=f"weights_layer_{net.depth}",
                        help="Layer 1 reads the pixels; each later layer reads the outputs of the layer below.")


def _key(name: str, layer: int, *parts) -> str:
    """A control's key: per layer beyond the first (the first keeps the keys it had before depth)."""
    return "_".join(map(str, (f"weights_{name}", *parts))) + ("" if layer == 0 else f"_l{layer + 1}")


def tiles(net: Network, layer: int, acts: Activations, image: np.ndarray) -> None:
    """A page of the layer's neurons as 28×28 tiles: the first layer's own weights, a deeper layer's composed
    back to the pixels for this digit; with sort and page controls beside them."""
    width = net.widths[layer]
    heading = "First layer" if layer == 0 else f"Layer {layer + 1}"
    looks = "looks for" if layer == 0 else "responds to in pixel space, for your digit"
    st.subheader(f"{heading}: what each of the {width} {'hidden ' if layer == 0 else ''}neurons {looks}")
    controls, picture = st.container(key="stack_weight_tiles").columns([1, 2.4], gap="large")
    by = controls.selectbox("Sort tiles by", anatomy.ORDERS, format_func=ORDER_LABELS.get, key="weights_order")
    per_page = controls.selectbox("Tiles per page", (16, 36, 64), index=2, key="weights_per_page")
    pages = anatomy.page_count(width, per_page)
    page = controls.number_input(f"Page (of {pages})", 1, pages, 1, key=_key("page", layer, per_page, width))
    shown = anatomy.page_of(anatomy.neuron_order(net, by, acts.hiddens[layer], layer), page - 1, per_page)
    title = f"{len(shown)} of {width} neurons, sorted by {ORDER_LABELS[by]}"
    if layer == 0:
        controls.caption("Each tile is one neuron's 784 weights, laid out like the digit's pixels. "
                         + screen.hover("Hover a pixel for its weight."))

        def own_weights() -> go.Figure:
            mosaic = common.tile_mosaic(net.kernels[0], shown, columns=TILE_COLUMNS[per_page], header=8)
            return weights.mosaic(mosaic, common.symmetric_range(net.kernels[0]), title)

        # The same tiles for every digit, unless they are sorted by how this digit makes them fire.
        fig = own_weights() if by == "activation" else per_network(net, ("tiles", by, per_page, page), own_weights)
    else:
        controls.caption(anatomy.composed_meaning(net.activation))
        composed = anatomy.composed_weights(net, image, layer, shown)
        mosaic = common.tile_mosaic(composed.kernel(width), shown, columns=TILE_COLUMNS[per_page], header=8)
        fig = weights.mosaic(mosaic, common.symmetric_range(composed.effective_weights), title,
                             value="effective weight")
    picture.plotly_chart(fig, **CHART)


def close_up(net: Network, layer: int, acts: Activations, image: np.ndarray) -> None:
    """One neuron: its bias, z and output for this digit, its (composed) weights, and where its output goes."""
    numbers, pictures, outgoing = st.container(key="stack_weights").columns([1, 1.6, 1.3], gap="medium",
                                                                           vertical_alignment="center")
    width, hidden = net.widths[layer], acts.hiddens[layer]
    most_active = int(anatomy.top_neurons(hidden, 1)[0])
    with numbers:
        neuron = st.number_input("Look closer at neuron", 0, width - 1, most_active, key=_key("neuron", layer, width),
                                 help=f"Starts at neuron {most_active}, the one your digit excites most.")
        st.metric("Bias", f"{net.biases[layer][neuron]:.3f}")
        n_in = net.kernels[layer].shape[0]
        below = "784 weights × pixels" if layer == 0 else f"{n_in} weights × layer {layer}'s outputs"
        st.metric("z for your digit", f"{acts.zs[layer][neuron]:.3f}", help=f"{below}, summed, plus the bias.")
        st.metric(f"Output ({'ReLU' if net.activation == 'relu' else net.activation})", f"{hidden[neuron]:.3f}")
    composed = None if layer == 0 else anatomy.composed_weights(net, image, layer, [neuron])
    pictures.plotly_chart(weights.neuron_tiles(net, neuron, image, composed=composed), **CHART)
    outgoing.plotly_chart(weights.neuron_outputs(net, neuron, layer=layer), **CHART)
    if layer > 0:
        st.plotly_chart(per_network(net, ("kernel", layer), lambda: weights.layer_kernel(net, layer)), **CHART)
        st.caption(f"The raw weights themselves: row n is what layer {layer + 1}'s neuron n multiplies each of "
                   f"layer {layer}'s {net.kernels[layer].shape[0]} outputs by. No pixels here: these numbers are "
                   "the same for every digit.")


def output_layer(net: Network) -> None:
    """The logits layer's kernel and biases."""
    st.subheader("Second layer: from hidden neurons to the 10 digits" if net.depth == 1 else
                 "Output layer: from the last hidden layer's neurons to the 10 digits")
    st.plotly_chart(per_network(net, "output kernel", lambda: weights.output_kernel(net)), **CHART)


def histograms(label: str, net: Network, layer: int) -> None:
    """The picked layer's and the output layer's weights and biases against a freshly initialised model's."""
    def build() -> go.Figure:
        fresh = resources.fresh_network(net.widths, net.activation, net.dropout, 0)
        hists = anatomy.weight_histograms({label: net, "freshly initialised": fresh},
                                          names=anatomy.layer_tensors(net, layer))
        return weights.histograms(hists)

    st.plotly_chart(per_network(net, ("histograms", label, layer), build), **CHART)
