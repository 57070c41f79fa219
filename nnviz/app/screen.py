"""Every screen a class uses: page-wide styles for narrow screens, and presenter mode for projectors.

Presenter mode is a per-session choice kept in the URL (?presenter=1), so a teacher's link opens in it.
"""

from __future__ import annotations

import streamlit as st

PRESENTER = "presenter"        # session key and URL parameter
STACK = "stack"                # prefix of the keys of containers whose columns stack on narrow screens
NARROW_PX = 1000               # below this width two-column layouts stack (tablets in portrait, 200% zoom)
ZOOM = 1.35                    # presenter mode: text, charts and tiles this much larger, for the back row

# Streamlit stacks columns only below 640 px; between that and NARROW_PX the columns of a two-column
# page were too narrow for the canvas and for slider labels. Containers keyed "stack…" stack sooner.
_RESPONSIVE = f"""
<style>
div[data-testid="stMainBlockContainer"] {{ padding-top: 3.5rem; }}
div[data-testid="stButtonGroup"] > div {{ flex-wrap: wrap; }}  /* ten digit labels wrap on a phone */
/* Widget labels wrap instead of ending in "…": a phone cut "Training mode: drop each hidden neuron…" */
div[data-testid="stWidgetLabel"] .stMarkdownEllipsis, div[data-testid="stWidgetLabel"] .stMarkdownEllipsis p {{
  white-space: normal; text-overflow: clip; overflow: visible; }}
@media (max-width: {NARROW_PX}px) {{
  div[class*="st-key-{STACK}"] > div > div[data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; }}
  div[class*="st-key-{STACK}"] > div > div[data-testid="stHorizontalBlock"] > div[data-testid="stColumn"] {{
    width: 100% !important; flex: 1 1 100% !important; min-width: 100% !important; }}
}}
</style>
"""
# Larger type, charts, tiles and controls for a projector, and no instructions about hovering. CSS zoom
# scales everything alike (plotly's own fonts included), and pointer positions stay right in Chromium.
# Charts size themselves to their container, and under the zoom they measure it in screen pixels, already
# zoomed, so the zoom drew them 1.35 times too large (cut off on the right, or over the chart beside it).
# Zooming charts back out fitted them but left their type laptop-sized on a projector. Instead each chart is
# laid out 1/ZOOM as wide as its column and the page's zoom brings it to the column's width, so every
# chart's tick labels, titles, annotations and legends are ZOOM times larger, in this one place:
# - Vega-Lite measures its own element: that element is the narrow one.
# - Streamlit measures plotly's width on its frame, which is made narrow (the plot inside gets the width
#   back). It also feeds the chart element's measured height back as the figure's height, which under the
#   zoom made a 380 px figure 513 px tall inside a 380 px box (cut off at the bottom). With that element
#   as display: contents it measures 0, and Streamlit keeps the figure's own height.
# - A table (a canvas) measures itself the same way and ran off the right edge (Runs' saved runs cut after
#   "Digits"): it is zoomed back out, to fit its column at its normal type size.
_CHART = 'div[data-testid="stMainBlockContainer"] div[data-testid="stFullScreenFrame"]'
_PRESENTER = f"""
<style>
div[data-testid="stMainBlockContainer"] {{
  zoom: {ZOOM}; max-width: 100%; padding-left: 1.5rem; padding-right: 1.5rem; }}
div[data-testid="stMainBlockContainer"] div[data-testid="stVegaLiteChart"] {{ width: calc(100% / {ZOOM}) !important; }}
{_CHART}:has(> div[data-testid="stPlotlyChart"]) {{ width: calc(100% / {ZOOM}); }}
{_CHART} > div[data-testid="stPlotlyChart"] {{ display: contents !important; }}
{_CHART} > div[data-testid="stPlotlyChart"] > .js-plotly-plot {{ width: calc(100% * {ZOOM}) !important; }}
div[data-testid="stMainBlockContainer"] div[data-testid="stDataFrame"] {{ zoom: calc(1 / {ZOOM}); }}
</style>
"""


def presenter() -> bool:
    """Whether this session shows the app for a projector (from the URL on its first visit)."""
    if PRESENTER not in st.session_state:
        st.session_state[PRESENTER] = st.query_params.get(PRESENTER) == "1"
    return bool(st.session_state[PRESENTER])


def _keep_in_url() -> None:
    on = bool(st.session_state.get(f"{PRESENTER}_toggle"))
    st.session_state[PRESENTER] = on
    if on:
        st.query_params[PRESENTER] = "1"
    else:
        st.query_params.pop(PRESENTER, None)


def apply() -> None:
    """The styles every page shares; call once per run, before the page."""
    on = presenter()
    if on and st.query_params.get(PRESENTER) != "1":
        st.query_params[PRESENTER] = "1"  # page switches drop the parameter: a copied link keeps the mode
    st.html(_RESPONSIVE + (_PRESENTER if on else ""))


def presenter_toggle() -> None:
    st.toggle("Presenter mode", value=presenter(), key=f"{PRESENTER}_toggle", on_change=_keep_in_url,
              help="For a projector: a bigger canvas, bigger text and charts. Kept in the link, so a "
                   "copied link opens in presenter mode too.")


def hover(sentence: str) -> str:
    """A sentence about hovering, left out in presenter mode: nobody hovers over a projected page."""
    return "" if presenter() else sentence


def canvas_side(normal: int, large: int) -> int:
    return large if presenter() else normal
