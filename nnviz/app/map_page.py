"""The Map page's glue: the shared map digits and their hover images, the cached maps, the layer picker,
and a map chart whose click opens the digit on Draw."""

from __future__ import annotations

import numpy as np
import streamlit as st

from nnviz import projection
from nnviz.app import digit_choice
from nnviz.app.resources import sample_dataset
from nnviz.figures import projection as figures
from nnviz.network import Network

LAYER = "map_layer"  # the hidden layer asked for last, kept while shallower models come and go
_CACHE = projection.MapCache()


@st.cache_resource(show_spinner="Preparing the map's 2,000 test digits…")
def map_digits() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(images, labels, hover pictures) of the map digits, shared by every session."""
    images, labels = projection.map_digits(sample_dataset())
    return images, labels, figures.hover_pictures(images)


METHOD = "map_method"  # PCA (instant, the default) or t-SNE (asked for: tens of seconds, once per model)
TSNE_WAIT = "about half a minute, longer while the server is busy"


def pixel_map(method: str = projection.PCA_METHOD) -> projection.LayerMap:
    """The raw pixels' map: the same for every model, so computed once per server."""
    with st.spinner(_working(method, "the raw pixels")):
        return _pixel_map(method)


@st.cache_resource(show_spinner=False)
def _pixel_map(method: str) -> projection.LayerMap:
    images, labels, _ = map_digits()
    return (projection.tsne_map if method == projection.TSNE_METHOD else projection.layer_map)(
        None, images, labels, projection.PIXELS)


def layer_map(net: Network, layer: int, method: str = projection.PCA_METHOD) -> projection.LayerMap:
    """The map of one layer of this network: computed once per (network, layer, method), then a look-up."""
    images, labels, _ = map_digits()
    if layer == projection.PIXELS:
        return pixel_map(method)
    with st.spinner(_working(method, projection.layer_name(layer))):
        return _CACHE.get(net, images, labels, layer, method)


def _working(method: str, what: str) -> str:
    if method == projection.TSNE_METHOD:
        return f"Computing a t-SNE map of {what} for 2,000 digits: {TSNE_WAIT}…"
    return f"Mapping {what}…"


def pick_method() -> str:
    """PCA unless the user asks for t-SNE (clicking the chosen one off falls back to PCA)."""
    chosen = st.segmented_control("Projection", [projection.PCA_METHOD, projection.TSNE_METHOD], key=METHOD,
                                  default=projection.PCA_METHOD,
                                  help="PCA is instant and is what Train shows live. t-SNE keeps each digit's "
                                       f"neighbours together, so clusters show more clearly; it takes {TSNE_WAIT}, "
                                       "once per model and layer.")
    return chosen or projection.PCA_METHOD


def pick_layer(net: Network) -> int:
    """Every hidden layer of the active model; the one asked for before while this model has it, else its last."""
    layer = projection.chosen_layer(st.session_state.get(LAYER), net.depth)
    if net.depth == 1:
        return 1
    options = list(range(1, net.depth + 1))
    chosen = st.segmented_control("Hidden layer", options, default=layer, key=f"map_layer_of_{net.depth}",
                                  format_func=lambda i: f"{i} ({net.widths[i - 1]})")
    layer = projection.chosen_layer(chosen, net.depth)  # None when the user clicks the chosen one off
    st.session_state[LAYER] = layer
    return layer


def show_map(net: Network | None, m: projection.LayerMap, title: str, key: str) -> None:
    """One map with the current digit as a star; clicking a point opens that digit on Draw."""
    digit = digit_choice.current_digit()
    star = projection.place(net, digit.image, m)
    event = st.vega_lite_chart(figures.map_data(m, map_digits()[2]), figures.map_spec(m, title, star),
                               key=key, on_select="rerun", selection_mode=figures.PICK, width="stretch")
    index = figures.picked(event)
    if index is not None:
        digit_choice.pick_test_digit(index)
        st.switch_page("views/draw.py")


def tooltip_style() -> None:
    """Hover images at three times their 28 pixels, with hard pixel edges."""
    st.html(f"<style>{figures.TOOLTIP_CSS}</style>")
