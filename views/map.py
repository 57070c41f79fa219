"""The hidden-layer map (issue 17): being built."""

import streamlit as st

st.title("Map: how a layer sorts the digits")
st.info("This page is being built.")
