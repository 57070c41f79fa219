"""The Layers page's glue: the training-mode controls and their masks, and the metrics row for any depth."""

from __future__ import annotations

import numpy as np
import streamlit as st

from nnviz import anatomy, network
from nnviz.network import Network

SEED = "layers_seed"  # how often "New random mask" was pressed: the masks' seed


def explain_depth(net: Network) -> None:
    """With more than one hidden layer, a paragraph on what each layer is (one layer needs none)."""
    if net.depth > 1:
        st.write(anatomy.layer_roles(net))


def dropout_masks(net: Network) -> tuple[np.ndarray, ...] | None:
    """The training-mode toggle (and its resample button): one mask per hidden layer when on, else None."""
    left, right = st.columns([3, 1], vertical_alignment="center")
    per = "hidden neuron" if net.depth == 1 else "neuron of every hidden layer"
    if not left.toggle(f"Training mode: drop each {per} with probability {net.dropout:.0%}", key="layers_training"):
        return None
    right.button("New random mask", icon=":material/casino:", key="layers_resample",
                 on_click=lambda: st.session_state.update({SEED: st.session_state.get(SEED, 0) + 1}))
    return network.sample_dropout_masks(net, np.random.default_rng(st.session_state.get(SEED, 0)))


def metrics(view: anatomy.LayerView) -> None:
    """Prediction, confidence and each hidden layer's sparsity; more than four metrics take two rows."""
    first = [("Prediction", str(view.acts.prediction), ""), ("Confidence", f"{view.acts.probs.max():.0%}", "")]
    layers = anatomy.layer_metrics(view)
    for row in ([first + layers] if len(first + layers) <= 4 else [first, layers]):
        for column, (label, value, help_) in zip(st.columns(max(len(row), 2)), row, strict=False):
            column.metric(label, value, help=help_ or None)
