"""Forward-pass page: the current digit through the network one layer at a time, with the actual numbers."""

import numpy as np
import pandas as pd
import streamlit as st

from nnviz import walkthrough
from nnviz.app import digit_choice, model_choice, screen
from nnviz.app.charts import CHART
from nnviz.figures import common
from nnviz.figures import walkthrough as figures

PARTS = ["1 · One neuron", "2 · Hidden layer", "3 · Logits", "4 · Softmax"]  # the forward pass, in order

st.title("Follow your digit through the network")
st.write("The network's answer is plain arithmetic. Step through it: one hidden neuron's weighted sum, "
         "the whole hidden layer, the ten output scores (logits), and softmax, which turns them into probabilities.")

digit = digit_choice.current_digit()
model_name, net = model_choice.active_network()
default = walkthrough.walk(net, digit.image)
left, right = st.columns([1, 3], gap="large")
left.image(digit.image, caption=digit.source, width=140, clamp=True)
with right:
    part = st.segmented_control("Step", PARTS, default=PARTS[0], key="walk_step", required=True,
                                persist_state="session")
    # No key: when the digit changes, the default neuron (the top voter for the answer) comes back.
    neuron = st.number_input(f"Hidden neuron (0 to {net.width - 1})", 0, net.width - 1, width=220,
                             value=default.neuron.neuron, help="Starts at the neuron that adds most to the answer.")
walk = walkthrough.walk(net, digit.image, int(neuron))
ns, pred = walk.neuron, walk.prediction
FOUR = st.column_config.NumberColumn(format="%.4f")

if part == PARTS[0]:
    st.latex(rf"z = \mathbf{{w}}\cdot\mathbf{{x}} + b = \sum_i x_i w_i + b = {ns.dot:.4f} {ns.bias:+.4f} = {ns.z:.4f}")
    st.latex(rf"h = \mathrm{{{ns.activation}}}(z) = {walkthrough.activation_latex(ns.activation, ns.z)}"
             rf" = {ns.output:.4f}")
    tiles, numbers = st.container(key="stack_walk_tiles").columns([1.9, 1], gap="large")
    with tiles:
        st.plotly_chart(figures.neuron_sum_tiles(ns), **CHART)
        st.caption(f"Neuron {ns.neuron} multiplies each of the 784 pixels by its weight and adds them up. Only the "
                   f"{ns.ink} inked pixels count: red pixels on the right push z up, blue push it down. "
                   + ("Then ReLU keeps z if positive, else outputs 0." if ns.activation == "relu"
                      else f"Then {ns.activation} turns z into the output."))
    with numbers:
        st.dataframe(pd.DataFrame(ns.top_pixels(5), columns=["pixel", "x", "w", "x × w"]), hide_index=True,
                     column_config={"x": FOUR, "w": FOUR, "x × w": FOUR})
        st.caption("The five pixels that push z most.")
elif part == PARTS[1]:
    fired = int(np.count_nonzero(walk.hidden > 0))
    st.plotly_chart(figures.hidden_bars(walk.hidden, ns.neuron), **CHART)
    st.caption(f"All {net.width} hidden neurons do the same sum with their own weights; {fired} fire for this digit "
               f"(the Layers page's \"Active neurons\"). Neuron {ns.neuron} (white) outputs {ns.output:.4f}."
               + screen.hover(" Hover over it in the Layers page's hidden column to see the same number."))
    st.page_link("views/layers.py", label="See the hidden layer as pictures on the Layers page",
                 icon=":material/account_tree:")
elif part == PARTS[2]:
    share = walkthrough.contributions(net, walk.hidden, pred)[ns.neuron]
    st.latex(rf"\mathrm{{logit}}_{pred} = \sum_j h_j\,W_{{j,{pred}}} + b_{pred} = {walk.logit_dots[pred]:.4f} "
             rf"{walk.logit_biases[pred]:+.4f} = {walk.logits[pred]:.4f}")
    st.plotly_chart(figures.logit_bars(walk.logit_dots, walk.logit_biases, walk.logits), **CHART)
    st.caption(f"Each output neuron sums the {net.width} hidden outputs times its weights, plus a bias. "
               f"Neuron {ns.neuron} adds {ns.output:.4f} × {net.w2[ns.neuron, pred]:.4f} = {share:+.4f} to the score "
               f"of {pred}. The highest score wins.")
else:
    top = float(walk.logits.max())
    st.latex(rf"p_{pred} = \frac{{e^{{\mathrm{{logit}}_{pred} - m}}}}{{\sum_k e^{{\mathrm{{logit}}_k - m}}}} = "
             rf"\frac{{{walk.exps[pred]:.6f}}}{{{walk.exps.sum():.6f}}} = {walk.probs[pred]:.6f}"
             rf"\qquad m = \max_k \mathrm{{logit}}_k = {top:.4f}")
    bars, table = st.container(key="stack_walk_bars").columns([1.5, 1], gap="large")
    with bars:
        st.plotly_chart(common.probability_bars(walk.probs), **CHART)
        st.caption("Softmax makes the ten scores positive and sum to 1. Subtracting the largest logit m first "
                   "changes nothing but keeps e^logit from overflowing.")
    table.dataframe(pd.DataFrame({"digit": range(10), "logit": walk.logits, "e^(logit − m)": walk.exps,
                                  "probability": walk.probs}), hide_index=True,
                    column_config={"logit": FOUR, "e^(logit − m)": st.column_config.NumberColumn(format="%.3e"),
                                   "probability": st.column_config.NumberColumn(format="%.6f")})
