"""The drawing canvas as a digit pad: streamlit-drawable-canvas without its editing toolbar.

The component's toolbar floats above the canvas on hover, where it covered the tabs above it, and its
pencil button switched to an edit mode in which strokes no longer draw: a student reads it as "draw".
The component styles itself inside a shadow root that page CSS cannot reach, so this module registers
the component again under its own name (Streamlit then uses the newest registration) with the
package's own JavaScript and CSS plus a few rules: no toolbar, no horizontal scroll box (a keyboard
focus stop with no label), and no hidden text box (only used by the text tool).
"""

from __future__ import annotations

from importlib import resources

import streamlit as st
import streamlit_drawable_canvas
from streamlit_drawable_canvas import st_canvas

from nnviz import canvas

_NAME = "streamlit-drawable-canvas.streamlit_drawable_canvas"  # as the package registers it
_PAD_RULES = """
.dc-toolbar, .dc-textarea-host { display: none !important; }
.dc-scroll { overflow: visible !important; }
.dc-canvas { touch-action: none; }
"""


@st.cache_resource(show_spinner=False)
def _registered() -> bool:
    """Register the restyled component once per server process."""
    build = resources.files(streamlit_drawable_canvas) / "frontend" / "build"
    package_css = "\n".join(f.read_text() for f in build.iterdir() if f.name.endswith(".css"))
    st.components.v2.component(_NAME, js="index-*.js", css=package_css + _PAD_RULES,
                               html='<div class="canvas-root"></div>', isolate_styles=True)
    return True


def digit_pad(side: int, stroke_width: int, clears: int, key: str = "canvas"):
    """A side × side black canvas for white strokes; a new `clears` count empties it in place
    (a changed initial drawing is redrawn without remounting, so nothing on the page jumps)."""
    _registered()
    return st_canvas(stroke_width=stroke_width, stroke_color="#FFFFFF", background_image=canvas.guide_url(side),
                     width=side, height=side, return_image_data=True,
                     initial_drawing={"objects": [], "nnvizClears": clears}, key=key)
