"""Forward-pass page: the current digit through the network one layer at a time, with the actual numbers."""

import pandas as pd
import streamlit as st

from nnviz import walkthrough
from nnviz.app import digit_choice, model_choice, screen, walkthrough_page
from nnviz.app.charts import CHART
from nnviz.figures import common
from nnviz.figures import walkthrough as figures

PARTS = ["1 · One neuron", "2 · Hidden layer", "3 · Logits", "4 · Softmax"]  # the forward pass, in order

st.title("Follow your digit through the network")
st.write("The network's answer is plain arithmetic. Step through it: one neuron's weighted sum, "
         "the hidden layers, the ten output scores (logits), and softmax, which turns them into probabilities. "
         "Pick any neuron of any layer: each sums the outputs of the layer below, the first sums the pixels.")

digit = digit_choice.current_digit()
model_name, net = model_choice.active_network()
left, right = st.columns([1, 3], gap="large")
left.image(digit.image, caption=digit.source, width=140, clamp=True)
with right:
    part = st.segmented_control("Step", PARTS, default=PARTS[0], key="walk_step", required=True,
                                persist_state="session")
    pick_layer, pick_neuron = st.columns(2)
    with pick_layer:
        layer = walkthrough_page.layer_picker(net)
    default = walkthrough.walk(net, digit.image, layer=layer)
    top = walkthrough.layer_widths(net)[layer] - 1
    # No key: when the digit or the layer changes, the default neuron (the top voter for the answer) comes back.
    neuron = pick_neuron.number_input(f"Neuron (0 to {top})", 0, top, value=default.neuron.neuron,
                                      help=f"Starts at the neuron of {walkthrough.the_layer(net, layer)} "
                                           "that adds most to the answer.")
walk = walkthrough.walk(net, digit.image, int(neuron), layer)
ns, pred = walk.neuron, walk.prediction
FOUR = walkthrough_page.FOUR

if part == PARTS[0]:
    walkthrough_page.one_neuron(net, ns)
elif part == PARTS[1]:
    names = [walkthrough.layer_name(net, i) for i in range(net.depth)]
    st.plotly_chart(figures.layer_bars(walk.hiddens, ns.layer, ns.neuron, names), **CHART)
    st.caption(walkthrough.layers_caption(net, walk)
               + screen.hover(" Hover over a bar, or over the Layers page's columns, to see the same numbers."))
    st.page_link("views/layers.py", label="See the hidden layers as pictures on the Layers page",
                 icon=":material/account_tree:")
elif part == PARTS[2]:
    st.latex(walkthrough.logit_latex(walk))
    st.plotly_chart(figures.logit_bars(walk.logit_dots, walk.logit_biases, walk.logits), **CHART)
    st.caption(walkthrough.logit_caption(net, walk))
else:
    st.latex(walkthrough.softmax_latex(walk))
    bars, table = st.container(key="stack_walk_bars").columns([1.5, 1], gap="large")
    with bars:
        st.plotly_chart(common.probability_bars(walk.probs), **CHART)
        st.caption("Softmax makes the ten scores positive and sum to 1. Subtracting the largest logit m first "
                   "changes nothing but keeps e^logit from overflowing.")
    table.dataframe(pd.DataFrame({"digit": range(10), "logit": walk.logits, "e^(logit − m)": walk.exps,
                                  "probability": walk.probs}), hide_index=True,
                    column_config={"logit": FOUR, "e^(logit − m)": st.column_config.NumberColumn(format="%.3e"),
                                   "probability": st.column_config.NumberColumn(format="%.6f")})
