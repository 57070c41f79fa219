"""Tests of the Streamlit glue in nnviz/app."""
