"""nnviz: a router over the pages in views/, with the header line every page shares.

The folder is not called pages/: Streamlit treats a pages/ folder as a legacy multipage app and,
until some session has run st.navigation, serves a deep link to a page without this router.
"""

import streamlit as st

from nnviz.app import header, identity, runtime
from nnviz.app.boundary import boundary

runtime.configure()  # first: training workers inherit TensorFlow's environment from this process

st.set_page_config(page_title="nnviz: see inside a neural network", page_icon=":material/neurology:", layout="wide")

# One line per page, in the order a learner meets them.
page = st.navigation([
    st.Page("views/draw.py", title="Draw", icon=":material/draw:", default=True),
    st.Page("views/flatten.py", title="Flatten", icon=":material/view_week:"),
    st.Page("views/layers.py", title="Layers", icon=":material/account_tree:"),
    st.Page("views/weights.py", title="Weights", icon=":material/grid_on:"),
    st.Page("views/walkthrough.py", title="Forward pass", icon=":material/calculate:"),
    st.Page("views/train.py", title="Train", icon=":material/model_training:"),
    st.Page("views/map.py", title="Map", icon=":material/scatter_plot:"),
    st.Page("views/teach.py", title="Teach", icon=":material/school:"),
    st.Page("views/sweeps.py", title="Sweeps", icon=":material/stacked_line_chart:"),
    st.Page("views/runs.py", title="Runs & models", icon=":material/folder_open:"),
], position="top")
with boundary("the sign-in"):
    identity.require_user()  # with login configured, nobody sees a page (nor the header) before signing in
with boundary("the header"):
    header.header()
with boundary(page):  # its title is read only on an error: a bare-mode import of app.py has none
    page.run()
runtime.settle_heap()  # after the page: freeze what its run loaded, so later collections skip it
