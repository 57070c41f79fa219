"""nnviz: a router over the pages, with the sidebar every page shares."""

import streamlit as st

from nnviz import ui

st.set_page_config(page_title="nnviz: see inside a neural network", page_icon=":material/neurology:", layout="wide")

# One line per page, in the order a learner meets them.
page = st.navigation([
    st.Page("pages/draw.py", title="Draw", icon=":material/draw:", default=True),
])
ui.sidebar()
page.run()
