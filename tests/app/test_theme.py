"""The theme's accent colour stays out of the charts' colour language."""

import tomllib
from pathlib import Path

import numpy as np

from nnviz.figures.common import PALETTE
from tests.figures.test_common import MIN_DELTA_E, seen

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
HUE_FAMILY = 30  # degrees of CIELAB hue: twelve families round the wheel, so "red" and "orange-red" are one
CHROMATIC = 20   # CIELAB chroma below which a colour reads as grey, whatever its hue


def hue_and_chroma(colour: str) -> tuple[float, float]:
    _, a, b = seen(colour, "typical")
    return float(np.degrees(np.arctan2(b, a)) % 360), float(np.hypot(a, b))


def shares_a_hue_with_a_chart_colour(accent: str) -> bool:
    hue, _ = hue_and_chroma(accent)
    for colour in PALETTE.values():
        other, chroma = hue_and_chroma(colour)
        if chroma >= CHROMATIC and min(abs(hue - other), 360 - abs(hue - other)) < HUE_FAMILY:
            return True
    return False


def test_the_accent_means_nothing_in_any_chart():
    """Buttons, sliders and tabs use the accent; in a chart colour's hue (red 'raises'), a control
    would read as data."""
    accent = tomllib.loads(CONFIG.read_text())["theme"]["primaryColor"]
    assert not shares_a_hue_with_a_chart_colour(accent)
    assert min(np.linalg.norm(seen(accent, "typical") - seen(c, "typical")) for c in PALETTE.values()) >= MIN_DELTA_E


def test_the_check_rejects_streamlits_red_accent():
    assert shares_a_hue_with_a_chart_colour("#ff4b4b")  # the red of "raises", a shade apart
