"""Layers page: the current digit flowing through every layer, with dropout, edges and contributions."""

import numpy as np
import streamlit as st

from nnviz import anatomy, network
from nnviz.app import digit_choice, model_choice, screen
from nnviz.app.charts import CHART
from nnviz.figures import layers
from nnviz.figures import weights as weight_figures

st.title("Layers: your digit, layer by layer")
st.write("Your digit's 784 numbers enter on the left. Every hidden neuron is connected to all 784 (fully "
         "connected): it multiplies each by a weight, adds them up, adds its bias, and applies ReLU, which turns "
         "negative totals into 0. Grey neurons are silent; only some fire, and that sparsity is normal. Dropout "
         "switches off random neurons during training only, so the network cannot lean on a few; when answering "
         "it passes everything through. The last layer gives each digit a raw score, its logit, and softmax turns "
         "the ten logits into probabilities that add up to 100%."
         + screen.hover(" Hover over anything for its exact value."))

digit = digit_choice.current_digit()
label, net = model_choice.active_network()
digit_choice.default_digit_notice("No digit of yours yet, so this is the first MNIST test digit.")

mask = None
left, right = st.columns([3, 1], vertical_alignment="center")
training = left.toggle(f"Training mode: drop each hidden neuron with probability {net.dropout:.0%}",
                       key="layers_training")
if training:
    right.button("New random mask", icon=":material/casino:", key="layers_resample",
                 on_click=lambda: st.session_state.update(layers_seed=st.session_state.get("layers_seed", 0) + 1))
    mask = network.sample_dropout_mask(net.width, net.dropout,
                                       np.random.default_rng(st.session_state.get("layers_seed", 0)))

view = anatomy.layer_view(net, digit.image, mask)
acts, sparse = view.acts, view.sparsity
m = st.columns(4)
m[0].metric("Prediction", acts.prediction)
m[1].metric("Confidence", f"{acts.probs.max():.0%}")
m[2].metric("Active neurons", f"{sparse.active} of {sparse.width}", help="Hidden outputs that are not exactly 0.")
m[3].metric("Silent (exactly 0)", f"{sparse.silent} ({1 - sparse.fraction_active:.0%})")
st.caption(f"**{digit.source}** through the {label} model.")
st.plotly_chart(layers.flow(view, net.activation), **CHART)
if training:
    kept = int(mask.sum())
    st.markdown(f"This mask dropped **{sparse.width - kept}** of {sparse.width} neurons (purple). The {kept} survivors "
                f"are multiplied by 1/(1 − {net.dropout:g}) = **{1 / (1 - net.dropout):.3g}**, so the next layer "
                f"gets the same total on average. Answer: **{view.inference.prediction}** without dropout, "
                f"**{acts.prediction}** with this mask.")
    st.plotly_chart(layers.dropout_effect(view), **CHART)
else:
    st.caption("Dropout is off while answering: its column equals the hidden column. Switch on training mode to "
               "see one random mask.")

st.subheader("Which neurons fired most")
a, b = st.container(key="stack_layers").columns([1.4, 1], gap="large")
a.plotly_chart(layers.ranking(view, net.activation), **CHART)
top_tiles = anatomy.tile_mosaic(net.w1, view.top[:8], columns=4, header=8)
b.plotly_chart(weight_figures.mosaic(top_tiles, anatomy.symmetric_range(net.w1),
                                     "What the 8 strongest look for (their weights)", height=340), **CHART)

st.subheader("The whole network for this digit")
st.plotly_chart(layers.node_link(net, acts, anatomy.node_link(net, acts)), **CHART)

st.subheader("Which pixels pushed toward a digit")
choice = st.selectbox("Digit", range(10), index=acts.prediction, key=f"layers_class_{acts.prediction}",
                      format_func=lambda d: f"{d} (predicted)" if d == acts.prediction else str(d))
contrib = anatomy.contribution_map(net, digit.image, choice, mask)
st.plotly_chart(layers.contribution(digit.image, contrib), **CHART)
st.caption(f"The map adds up to {contrib.pixels.sum():.3f}. Add the biases, {contrib.bias:.3f} (the digit's own "
           f"{contrib.output_bias:.3f} plus {contrib.hidden_bias:.3f} from the hidden biases of the neurons that "
           f"fired), and you get the logit of {choice}: {contrib.logit:.3f}.")
