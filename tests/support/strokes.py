"""Synthetic mouse-drawn digits: stroke paths for every digit in several styles.

Used by the tests (rasterised here, drawn with a real mouse in the browser tests) and the
benchmarks. Coordinates are canvas pixels inside the drawing area (see nnviz.canvas).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from nnviz import canvas

Point = tuple[float, float]


def _arc(cx, cy, rx, ry, start_deg, end_deg, n=24) -> list[Point]:
    """Points along an ellipse; angles counter-clockwise as on paper (y grows downwards)."""
    return [(cx + rx * math.cos(math.radians(a)), cy - ry * math.sin(math.radians(a)))
            for a in np.linspace(start_deg, end_deg, n)]


def _eight() -> list[Point]:
    return [(0.5 + 0.2 * math.sin(2 * t), 0.5 - 0.4 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 60)]


# Each digit: strokes in a unit square (x right, y down), in the order a person draws them.
SHAPES: dict[int, list[list[Point]]] = {
    0: [_arc(0.5, 0.5, 0.27, 0.4, 90, 450, 40)],
    1: [[(0.53, 0.1), (0.47, 0.9)]],
    2: [_arc(0.5, 0.32, 0.23, 0.22, 160, -35) + [(0.25, 0.88), (0.8, 0.88)]],
    3: [_arc(0.48, 0.3, 0.2, 0.2, 150, -90) + _arc(0.48, 0.7, 0.22, 0.2, 90, -150)],
    4: [[(0.32, 0.1), (0.25, 0.58), (0.78, 0.58)], [(0.64, 0.12), (0.64, 0.92)]],
    5: [[(0.75, 0.12), (0.33, 0.12), (0.3, 0.46)] + _arc(0.49, 0.66, 0.24, 0.23, 130, -150)],
    6: [[(0.66, 0.1), (0.45, 0.28)] + _arc(0.5, 0.68, 0.21, 0.21, 160, 540, 36)],
    7: [[(0.24, 0.12), (0.76, 0.12), (0.42, 0.9)]],
    8: [_eight()],
    9: [_arc(0.5, 0.3, 0.21, 0.2, 0, 360, 30) + [(0.7, 0.3), (0.64, 0.9)]],
}

# name → (scale x, scale y, shear, rotation degrees, offset x, offset y), around the centre.
STYLES: dict[str, tuple[float, float, float, float, float, float]] = {
    "neat": (0.75, 0.75, 0.0, 0.0, 0.0, 0.0),
    "slanted": (0.75, 0.75, 0.3, 0.0, 0.0, 0.0),
    "small off-centre": (0.4, 0.4, 0.0, 0.0, -0.22, 0.2),
    "large rotated": (0.95, 0.92, 0.0, 10.0, 0.0, 0.0),
    "narrow": (0.5, 0.8, 0.0, 0.0, 0.0, 0.0),
    "top right": (0.48, 0.48, 0.1, 0.0, 0.24, -0.25),  # starts under where the toolbar floats
}


def strokes(digit: int, style: str) -> list[list[Point]]:
    """The digit's strokes in canvas pixels (x, y), ready to rasterise or to draw with a mouse."""
    sx, sy, shear, rot, ox, oy = STYLES[style]
    cos, sin = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    out = []
    for stroke in SHAPES[digit]:
        path = []
        for x, y in stroke:
            u, v = (x - 0.5) * sx, (y - 0.5) * sy
            u -= shear * v  # positive shear leans the top to the right
            u, v = u * cos - v * sin, u * sin + v * cos
            path.append(((0.5 + u + ox) * canvas.WIDTH, canvas.BAND + (0.5 + v + oy) * canvas.WIDTH))
        out.append(path)
    return out


def rasterise(paths: list[list[Point]], width: int = canvas.STROKE_WIDTH) -> np.ndarray:
    """Render strokes as the canvas does: white round-capped lines on transparent RGBA."""
    image = Image.new("RGBA", (canvas.WIDTH, canvas.HEIGHT), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    r = width / 2
    for path in paths:
        draw.line(path, fill=(255, 255, 255, 255), width=width, joint="curve")
        for x, y in (path[0], path[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 255))
    return np.asarray(image)


def all_cases() -> list[tuple[int, str]]:
    return [(d, s) for d in range(10) for s in STYLES]
