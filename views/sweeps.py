"""Sweeps (issue 17): being built."""

import streamlit as st

st.title("Sweeps: one setting, many runs")
st.info("This page is being built.")
