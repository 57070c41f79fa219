"""A one-call script for AppTest: the Train page's live map for the snapshot a test puts in session state."""

import streamlit as st

from nnviz.app.live_map import live_map

live_map(st.session_state["test_snapshot"])
