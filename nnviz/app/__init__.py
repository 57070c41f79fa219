"""Streamlit glue: the only package that imports Streamlit (session state, cached resources, widgets)."""

# Imported whole, up front, before any page runs: TensorFlow imports pandas too, and if that happens in one
# thread while a page's plotly (which looks pandas up in sys.modules) runs in another, plotly meets a
# half-imported pandas.
import pandas  # noqa: F401
