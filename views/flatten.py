"""Flatten page: how the 28×28 digit becomes the 784 numbers the network reads."""

import streamlit as st

from nnviz import anatomy
from nnviz.app import digit_choice, screen
from nnviz.app.charts import CHART
from nnviz.figures import flatten

st.title("Flatten: from picture to 784 numbers")
st.write("The network cannot see a picture. Its first layer, Flatten, reads the 28×28 grid of brightness "
         "values row by row and lays them end to end: the first 28 pixels, then the next 28, and so on, "
         "784 numbers in one line. Pixel (row, col) becomes input number 28·row + col. Flatten learns "
         "nothing and has no weights: it only rearranges. Notice that neighbours above and below end up "
         "28 places apart, so the network is never told which pixels touch. Pick a row and a column to "
         "see the same place in both views.")

digit = digit_choice.current_digit()
if not digit_choice.default_digit_notice("No digit of yours yet, so this is the first MNIST test digit. "
                               "Draw your own on the Draw page."):
    st.caption(f"Showing **{digit.source}**" + (f" (true label {digit.label})" if digit.label is not None else ""))

row = st.session_state.setdefault("flatten_row", 14)
col = st.session_state.setdefault("flatten_col", 14)
left, right = st.container(key="stack_flatten").columns([1, 1.6], gap="large")
with right:
    a, b = st.columns(2)
    row = a.slider("Row", 0, anatomy.SIDE - 1, key="flatten_row")
    col = b.slider("Column", 0, anatomy.SIDE - 1, key="flatten_col")
    index = int(anatomy.flat_index(row, col))
    st.metric("Input index", f"{index}", help="28·row + col")
    st.markdown(f"Pixel (row **{row}**, col **{col}**) → input **28·{row} + {col} = {index}**, "
                f"value **{digit.image[row, col]:.3f}** (0 is black, 1 is full ink).")
    st.plotly_chart(flatten.row_zoom(digit.image, row, col), **CHART)
    st.caption(screen.hover("Hover over or tap a cell for its value (a narrow screen hides the numbers)."))
with left:
    st.plotly_chart(flatten.square(digit.image, row, col), **CHART)
st.plotly_chart(flatten.strip(digit.image, row, col), **CHART)

if st.toggle("Animate: slide the rows into one line", key="flatten_animate"):
    st.plotly_chart(flatten.animation(digit.image), **CHART)
