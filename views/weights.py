"""Weights page: what the network has learned, tile by tile, against a freshly initialised model."""

import streamlit as st

from nnviz import anatomy, network
from nnviz.app import digit_choice, model_choice, resources, screen
from nnviz.app.charts import CHART
from nnviz.figures import weights

TILE_COLUMNS = {16: 4, 36: 6, 64: 8}  # square-ish mosaics: legible beside the controls, and alone on a phone
ORDER_LABELS = {"index": "neuron number", "activation": "how strongly it fires for your digit",
                "weight norm": "weight strength"}

st.title("Weights: what the network has learned")
st.write("Each hidden neuron has one weight per pixel (fully connected), so its 784 weights form a 28×28 "
         "picture of what it looks for: ink on red pixels raises its output, ink on blue pixels lowers it. "
         "Its bias is added before ReLU and sets how easily it fires. The second layer has a weight from every "
         "hidden neuron to every digit, plus one bias per digit. Training started from small random weights "
         "near 0, with every bias exactly 0: compare the histograms with the freshly initialised model. "
         "The parameter table counts them all, as Keras's model.summary() does.")

digit = digit_choice.current_digit()
label, net = model_choice.active_network()
if not digit_choice.default_digit_notice("No digit of yours yet: sorting by firing uses the first MNIST test digit."):
    st.caption(f"Weights of the {label} model; firing order and close-ups use **{digit.source}**.")
acts = network.forward(net, digit.image)

st.subheader(f"First layer: what each of the {net.width} hidden neurons looks for")
controls, picture = st.container(key="stack_weight_tiles").columns([1, 2.4], gap="large")
by = controls.selectbox("Sort tiles by", anatomy.ORDERS, format_func=ORDER_LABELS.get, key="weights_order")
per_page = controls.selectbox("Tiles per page", (16, 36, 64), index=2, key="weights_per_page")
pages = anatomy.page_count(net.width, per_page)
page = controls.number_input(f"Page (of {pages})", 1, pages, 1, key=f"weights_page_{per_page}_{net.width}")
controls.caption("Each tile is one neuron's 784 weights, laid out like the digit's pixels. "
                 + screen.hover("Hover a pixel for its weight."))
order = anatomy.neuron_order(net, by, acts.hidden)
shown = anatomy.page_of(order, page - 1, per_page)
limit = anatomy.symmetric_range(net.w1)
tiles = anatomy.tile_mosaic(net.w1, shown, columns=TILE_COLUMNS[per_page], header=8)
picture.plotly_chart(weights.mosaic(tiles, limit, f"{len(shown)} of {net.width} neurons, sorted by "
                                    f"{ORDER_LABELS[by]}"), **CHART)

numbers, pictures, outgoing = st.container(key="stack_weights").columns([1, 1.6, 1.3], gap="medium",
                                                                       vertical_alignment="center")
with numbers:
    most_active = int(anatomy.top_neurons(acts.hidden, 1)[0])
    neuron = st.number_input("Look closer at neuron", 0, net.width - 1, most_active, key=f"weights_neuron_{net.width}",
                             help=f"Starts at neuron {most_active}, the one your digit excites most.")
    st.metric("Bias", f"{net.b1[neuron]:.3f}")
    st.metric("z for your digit", f"{acts.z[neuron]:.3f}", help="784 weights × pixels, summed, plus the bias.")
    st.metric(f"Output ({'ReLU' if net.activation == 'relu' else net.activation})", f"{acts.hidden[neuron]:.3f}")
pictures.plotly_chart(weights.neuron_tiles(net, neuron, digit.image), **CHART)
outgoing.plotly_chart(weights.neuron_outputs(net, neuron), **CHART)

st.subheader("Second layer: from hidden neurons to the 10 digits")
st.plotly_chart(weights.output_kernel(net), **CHART)

st.subheader("Trained versus freshly initialised")
fresh = resources.fresh_network(net.width, net.activation, net.dropout, 0)
st.plotly_chart(weights.histograms(anatomy.weight_histograms({label: net, "freshly initialised": fresh})),
                **CHART)

st.subheader("Parameters")
rows = anatomy.parameter_table(net)
st.dataframe([{"Layer (type)": f"{r.layer} ({r.kind})", "Output shape": r.output_shape, "Param #": r.params}
              for r in rows], hide_index=True, width="content",
             column_config={"Param #": st.column_config.NumberColumn(format="localized")})
st.markdown(f"**Total params: {anatomy.total_params(rows):,}**, all trainable: "
            f"784 × {net.width} + {net.width} in the hidden layer, {net.width} × 10 + 10 in the output layer.")
