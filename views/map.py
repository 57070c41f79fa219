"""Map page: how a hidden layer sorts 2,000 test digits, beside how the raw pixels do (issue 17)."""

import streamlit as st

from nnviz import projection
from nnviz.app import digit_choice, map_page, model_choice, screen

st.title("Map: how a layer sorts the digits")
st.write("Each dot is one of 2,000 test digits, coloured by its true label. A hidden layer turns a digit into a "
         "list of numbers, one per neuron; the map squeezes that list onto the two directions along which the "
         "2,000 digits differ most (a PCA projection). Beside it (below it on a narrow screen), the same is done "
         "with the raw 784 pixels. Compare them: the pixels' clouds overlap, while a trained layer pulls each digit "
         "into its own cloud, more cleanly the deeper the layer. That is the network untangling the digits, layer "
         "by layer. The white star is your digit."
         + screen.hover(" Hover a dot to see its digit; click it to open it on Draw."))

label, net = model_choice.active_network()
digit = digit_choice.current_digit()
digit_choice.default_digit_notice("No digit of yours yet, so the star is the first MNIST test digit.")
layer = map_page.pick_layer(net)
method = map_page.pick_method()
map_page.tooltip_style()

left, right = st.container(key="stack_map").columns(2, gap="large")
with left:
    m = map_page.layer_map(net, layer, method)
    map_page.show_map(net, m, f"What {projection.layer_name(layer, net)} sees", key=f"map_{layer}_{method}")
with right:
    map_page.show_map(None, map_page.pixel_map(method), "What the raw pixels show", key=f"map_pixels_{method}")
if method == projection.TSNE_METHOD:
    st.caption(f"The {label} model, mapped by t-SNE. The star is your digit, **{digit.source}**, placed among the "
               f"{projection.NEIGHBOURS} map digits the layer finds most like it (t-SNE cannot place a new digit "
               "exactly). Only who is near whom means something: not the axes, nor the distance between clouds.")
else:
    st.caption(f"The {label} model. The star is your digit, **{digit.source}**. Axis titles give how much of the "
               "digits' spread each direction keeps.")

with st.expander("What a map like this can and cannot show"):
    st.markdown(
        "- **Can:** which digits the layer keeps apart and which it mixes up (overlapping clouds), and where your "
        "digit lands among them: a star inside the wrong cloud is a digit the network will likely get wrong.\n"
        "- **Cannot:** everything. A layer has many neurons and the map keeps only two directions, usually a "
        "small share of the spread (see the axis titles). Clouds that overlap here may still be apart in "
        "directions the map leaves out, and the last layers separate digits the map cannot draw apart.\n"
        "- **The axes** have no meaning of their own; only the distances between dots do. Another model, or "
        "the same one trained again, may turn or mirror the whole picture.\n"
        "- **Each layer gets its own projection**, so compare the clouds' shapes between layers, not positions.\n"
        "- **t-SNE** (on request) squeezes harder: it keeps each digit's nearest neighbours together, so clouds "
        "separate more clearly, but their sizes and the gaps between them are not to scale.")
