"""The drawing canvas as a digit pad: streamlit-drawable-canvas without its editing toolbar.

The component's toolbar floats above the canvas on hover, where it covered the tabs above it, and its
pencil button switched to an edit mode in which strokes no longer draw: a student reads it as "draw".
The component styles itself inside a shadow root that page CSS cannot reach, so this module registers
the component again under its own name (Streamlit then uses the newest registration) with the
package's own JavaScript and CSS plus a few rules: no toolbar, no horizontal scroll box (a keyboard
focus stop with no label), no hidden text box (only used by the text tool), and the dashed guide for
where MNIST's digits sit drawn in CSS (a background image made the browser redraw it on every stroke:
stroke latency 1.22 → 1.14 times the bare canvas's).
"""

from __future__ import annotations

import functools
import weakref
from importlib import resources

import streamlit as st
import streamlit_drawable_canvas
from streamlit.components.v2.get_bidi_component_manager import get_bidi_component_manager
from streamlit_drawable_canvas import st_canvas

_NAME = "streamlit-drawable-canvas.streamlit_drawable_canvas"  # as the package registers it
_PAD_RULES = """
.dc-toolbar, .dc-textarea-host { display: none !important; }
.dc-scroll { overflow: visible !important; }
.dc-canvas { touch-action: none; }
.dc-container::after { content: ""; position: absolute; inset: 14.29%; border: 1px dashed #50505c;
  pointer-events: none; z-index: 11; }
"""


_restyled: weakref.WeakSet = weakref.WeakSet()  # the component registries (one per runtime) holding it


@functools.cache
def _pad_css() -> str:
    build = resources.files(streamlit_drawable_canvas) / "frontend" / "build"
    return "\n".join(f.read_text() for f in build.iterdir() if f.name.endswith(".css")) + _PAD_RULES


def _register() -> None:
    """Register the restyled component once per Streamlit runtime (its registry starts from the
    packages' own registrations, so a process running several runtimes, as tests do, needs it each time)."""
    registry = get_bidi_component_manager()
    if registry not in _restyled:
        st.components.v2.component(_NAME, js="index-*.js", css=_pad_css(), html='<div class="canvas-root"></div>',
                                   isolate_styles=True)
        _restyled.add(registry)


def digit_pad(side: int, stroke_width: int, clears: int, key: str = "canvas"):
    """A side × side black canvas for white strokes; a new `clears` count empties it in place
    (a changed initial drawing is redrawn without remounting, so nothing on the page jumps)."""
    _register()
    return st_canvas(stroke_width=stroke_width, stroke_color="#FFFFFF", background_color="#000000",
                     width=side, height=side, return_image_data=True,
                     initial_drawing={"objects": [], "nnvizClears": clears}, key=key)
