"""The Forward pass page's glue: the layer picker, and one neuron's weighted sum with its numbers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nnviz import walkthrough
from nnviz.app.charts import CHART
from nnviz.figures import walkthrough as figures
from nnviz.network import Network

LAYER = "walk_layer"  # the layer picker's key: the Dense layer whose neuron is shown (0 = first hidden layer)
FOUR = st.column_config.NumberColumn(format="%.4f")


def layer_picker(net: Network) -> int:
    """Which layer's neuron to show; a choice the active model no longer has (it is shallower) falls back to the
    first hidden layer."""
    options = list(range(net.depth + 1))
    if st.session_state.get(LAYER) not in options:
        st.session_state.pop(LAYER, None)
    widths = walkthrough.layer_widths(net)
    return st.selectbox("Layer", options, key=LAYER, persist_state="session",
                        format_func=lambda i: f"{walkthrough.layer_name(net, i)} ({widths[i]} neurons)",
                        help="Each layer's neurons sum the outputs of the layer below; the first sums the pixels.")


def one_neuron(net: Network, ns: walkthrough.NeuronSum) -> None:
    """Step 1: the neuron's z = w·a + b and activation in real numbers, as pictures, and its strongest inputs."""
    st.latex(walkthrough.sum_latex(ns))
    if (after := walkthrough.output_latex(ns)) is not None:
        st.latex(after)
    picture, numbers = st.container(key="stack_walk_tiles").columns([1.9, 1], gap="large")
    with picture:
        figure = figures.neuron_sum_tiles(ns) if ns.from_pixels else figures.input_bars(ns)
        st.plotly_chart(figure, **CHART)
        st.caption(walkthrough.neuron_caption(net, ns))
    with numbers:
        st.dataframe(pd.DataFrame(ns.top_inputs(5), columns=ns.columns), hide_index=True,
                     column_config={name: FOUR for name in ns.columns[1:]})
        st.caption(f"The five {'pixels' if ns.from_pixels else 'inputs'} that push z most.")
