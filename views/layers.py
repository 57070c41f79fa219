"""Layers page: the current digit flowing through every layer, with dropout, edges and contributions."""

import streamlit as st

from nnviz import anatomy
from nnviz.app import digit_choice, layers_page, model_choice, screen
from nnviz.app.charts import CHART
from nnviz.figures import common, layers
from nnviz.figures import weights as weight_figures

st.title("Layers: your digit, layer by layer")
digit = digit_choice.current_digit()
label, net = model_choice.active_network()
st.write(anatomy.layers_intro(net.activation) + screen.hover(" Hover over anything for its exact value."))
layers_page.explain_depth(net)
digit_choice.default_digit_notice("No digit of yours yet, so this is the first MNIST test digit.")

masks = layers_page.dropout_masks(net)
view = anatomy.layer_view(net, digit.image, masks)
acts = view.acts
layers_page.metrics(view)
st.caption(f"**{digit.source}** through the {label} model.")
st.plotly_chart(layers.flow(view, net.activation), **CHART)
if view.training:
    st.markdown(anatomy.dropout_summary(view, net.dropout))
    st.plotly_chart(layers.dropout_effect(view), **CHART)
else:
    st.caption(anatomy.dropout_off(net.depth))

st.subheader(anatomy.ranking_title(net.depth))
a, b = st.container(key="stack_layers").columns([1.4, 1], gap="large")
a.plotly_chart(layers.ranking(view, net.activation), **CHART)
top_tiles = common.tile_mosaic(net.kernels[0], view.top[:8], columns=4, header=8)
b.plotly_chart(weight_figures.mosaic(top_tiles, common.symmetric_range(net.kernels[0]),
                                     "What the 8 strongest look for (their weights)", height=340), **CHART)

st.subheader("The whole network for this digit")
links = anatomy.node_link(net, acts)
st.plotly_chart(layers.node_link(net, acts, links), **CHART)
st.caption(anatomy.node_link_caption(net, links))

st.subheader("Which pixels pushed toward a digit")
choice = st.selectbox("Digit", range(10), index=acts.prediction, key=f"layers_class_{acts.prediction}",
                      format_func=lambda d: f"{d} (predicted)" if d == acts.prediction else str(d))
contrib = anatomy.contribution_map(net, digit.image, choice, masks)
st.plotly_chart(layers.contribution(digit.image, contrib), **CHART)
st.caption(anatomy.contribution_caption(contrib, net.depth, net.activation))
