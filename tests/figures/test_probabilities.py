"""The Draw page's probability bars: the model's numbers, the answer in focus, exact values on hover."""

import re

import numpy as np

from nnviz.figures.common import PALETTE
from nnviz.figures.probabilities import probability_html
from tests.support import charts

PROBS = np.array([0.001, 0.002, 0.05, 0.9, 0.0, 0.01, 0.0, 0.017, 0.02, 0.0], np.float32)


def bars(html: str) -> list[str]:
    return re.findall(r'<div class="bar".*?</div>', html)


def test_ten_bars_carry_the_exact_probabilities():
    html = probability_html(PROBS)
    assert len(bars(html)) == 10
    np.testing.assert_array_equal(charts.probabilities(html), PROBS.astype(np.float64))


def test_bar_heights_follow_the_probabilities_and_the_answer_is_in_focus():
    html = probability_html(PROBS)
    heights = [float(h) for h in re.findall(r'height:([\d.]+)%', html)]
    assert np.argmax(heights) == 3
    np.testing.assert_allclose(np.array(heights) / max(heights), PROBS / PROBS.max(), atol=1e-3)
    colours = re.findall(r'background:(#[0-9A-Fa-f]{6})', html)
    assert colours[3] == PALETTE["focus"] and set(colours[:3] + colours[4:]) == {PALETTE["neutral"]}


def test_labels_show_percentages_and_hover_gives_the_exact_value():
    html = probability_html(PROBS)
    assert "90%" in bars(html)[3] and 'title="digit 3: probability 0.9000"' in bars(html)[3]
    assert '<span class="pct"></span>' in bars(html)[4]  # 0%: no label crowding the baseline
    assert "3: 90%" in re.search(r'aria-label="([^"]*)"', html).group(1)  # for screen readers
