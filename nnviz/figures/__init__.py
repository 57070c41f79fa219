"""Plotly figures: pure functions that take arrays and return a figure, never touching state."""
