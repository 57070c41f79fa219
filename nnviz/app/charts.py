"""The one chart configuration of the Train page: plotly without its toolbar."""

CONFIG = {"displayModeBar": False}
CHART = {"config": CONFIG}           # keyword arguments for st.plotly_chart
