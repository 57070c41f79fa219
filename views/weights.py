"""Weights page: what the network has learned, layer by layer, against a freshly initialised model."""

import streamlit as st

from nnviz import anatomy, network
from nnviz.app import digit_choice, layers_page, model_choice, weights_page

st.title("Weights: what the network has learned")
st.write("Each hidden neuron has one weight per pixel (fully connected), so its 784 weights form a 28×28 "
         "picture of what it looks for: ink on red pixels raises its output, ink on blue pixels lowers it. "
         "Its bias is added before ReLU and sets how easily it fires. The second layer has a weight from every "
         "hidden neuron to every digit, plus one bias per digit. Training started from small random weights "
         "near 0, with every bias exactly 0: compare the histograms with the freshly initialised model. "
         "The parameter table counts them all, as Keras's model.summary() does.")

digit = digit_choice.current_digit()
label, net = model_choice.active_network()
layers_page.explain_depth(net)
if not digit_choice.default_digit_notice("No digit of yours yet: sorting by firing uses the first MNIST test digit."):
    st.caption(f"Weights of the {label} model; firing order and close-ups use **{digit.source}**.")
acts = network.forward(net, digit.image)

layer = weights_page.pick_layer(net)
weights_page.tiles(net, layer, acts, digit.image)
weights_page.close_up(net, layer, acts, digit.image)

weights_page.output_layer(net)

st.subheader("Trained versus freshly initialised")
weights_page.histograms(label, net, layer)

st.subheader("Parameters")
rows = anatomy.parameter_table(net)
st.dataframe([{"Layer (type)": f"{r.layer} ({r.kind})", "Output shape": r.output_shape, "Param #": r.params}
              for r in rows], hide_index=True, width="content",
             column_config={"Param #": st.column_config.NumberColumn(format="localized")})
st.markdown(f"**Total params: {anatomy.total_params(rows):,}**, all trainable: {anatomy.parameter_sums(net)}.")
