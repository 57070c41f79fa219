"""Geometry of the drawing canvas, and its guide background."""

from __future__ import annotations

import base64
import functools
import io

from PIL import Image, ImageDraw

WIDTH = 280             # the usual canvas side: ten canvas pixels per MNIST pixel
PRESENTER_WIDTH = 336   # a projector's canvas: twelve per MNIST pixel; at presenter zoom 1.35, 42% of a 1080-px screen
BAND = 0                # no band above the drawing area: the digit pad shows no floating toolbar
HEIGHT = WIDTH
STROKE_WIDTH = 18       # default brush at WIDTH: ~2.5 MNIST pixels once the digit is scaled to 20 px


def stroke_for(side: int, width: int = STROKE_WIDTH) -> int:
    """The brush on a canvas of this side that draws like `width` does at WIDTH."""
    return max(1, round(width * side / WIDTH))


@functools.cache
def guide_image(side: int = WIDTH) -> Image.Image:
    """Black, with a dashed box for the central 20/28 of the square, where MNIST digits sit."""
    image = Image.new("RGBA", (side, side), (0, 0, 0, 255))
    draw = ImageDraw.Draw(image)
    box = round(side * 20 / 28)
    inner = (side - box) // 2
    dash = max(4, side // 40)
    for start in range(0, box, 2 * dash):  # dashed square: where a centred digit usually sits
        end = min(start + dash, box)
        for (x0, y0, x1, y1) in (
            (inner + start, inner, inner + end, inner),
            (inner + start, inner + box, inner + end, inner + box),
            (inner, inner + start, inner, inner + end),
            (inner + box, inner + start, inner + box, inner + end),
        ):
            draw.line((x0, y0, x1, y1), fill=(70, 70, 80, 255), width=1)
    return image


@functools.cache
def guide_url(side: int = WIDTH) -> str:
    """The guide as a data: URL, encoded once (the canvas would re-encode an image on every rerun)."""
    buffer = io.BytesIO()
    guide_image(side).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
