"""Geometry of the drawing canvas."""

from __future__ import annotations

WIDTH = 280             # the usual canvas side: ten canvas pixels per MNIST pixel
PRESENTER_WIDTH = 336   # a projector's canvas: twelve per MNIST pixel; at presenter zoom 1.35, 42% of a 1080-px screen
BAND = 0                # no band above the drawing area: the digit pad shows no floating toolbar
HEIGHT = WIDTH
STROKE_WIDTH = 18       # default brush at WIDTH: ~2.5 MNIST pixels once the digit is scaled to 20 px


def stroke_for(side: int, width: int = STROKE_WIDTH) -> int:
    """The brush on a canvas of this side that draws like `width` does at WIDTH."""
    return max(1, round(width * side / WIDTH))
