"""Geometry of the drawing canvas, and its guide background.

streamlit-drawable-canvas 0.13 floats a toolbar over the top ~35 px of the canvas's right half;
a stroke that starts under it is lost. So the canvas is taller than its drawing area: the top
band stays empty (and is shaded) and the digit is drawn in the square below it.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

WIDTH = 280             # drawing area is WIDTH × WIDTH, ten canvas pixels per MNIST pixel
BAND = 44               # the toolbar band above the drawing area
HEIGHT = BAND + WIDTH
STROKE_WIDTH = 18       # default brush: ~2.5 MNIST pixels once the digit is scaled to 20 px


def guide_image() -> Image.Image:
    """Shaded toolbar band plus a dashed box for the 20×20 region MNIST digits occupy."""
    image = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, BAND - 1), fill=(38, 39, 48, 255))
    draw.text((8, BAND // 2 - 6), "draw below this line", fill=(140, 140, 150, 255))
    draw.line((0, BAND - 1, WIDTH, BAND - 1), fill=(90, 90, 100, 255), width=2)
    inner = (WIDTH - 200) // 2
    for start in range(0, 200, 12):  # dashed square: where a centred digit usually sits
        for (x0, y0, x1, y1) in (
            (inner + start, BAND + inner, inner + min(start + 6, 200), BAND + inner),
            (inner + start, BAND + inner + 200, inner + min(start + 6, 200), BAND + inner + 200),
            (inner, BAND + inner + start, inner, BAND + inner + min(start + 6, 200)),
            (inner + 200, BAND + inner + start, inner + 200, BAND + inner + min(start + 6, 200)),
        ):
            draw.line((x0, y0, x1, y1), fill=(70, 70, 80, 255), width=1)
    return image
