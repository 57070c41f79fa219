"""The Flatten page under AppTest: with and without a digit, the picked pixel is the same in both views."""

import numpy as np

from nnviz import anatomy, data
from tests.support import charts


def explanation_words(at):
    return len(at.markdown[0].value.split())


def test_without_a_digit_shows_the_default_digit_and_a_way_to_draw(open_page):
    at = open_page("views/flatten.py")
    assert not at.exception
    assert any("Draw your own" in i.value for i in at.info)
    assert at.metric[0].value == "406"  # row 14, col 14 by default
    assert explanation_words(at) <= 120


def test_with_a_digit_picking_a_pixel_updates_both_views(open_page):
    image = data.as_float(data.load_sample().x_test[9])
    at = open_page("views/flatten.py", digit=image)
    assert not at.exception and not at.info
    at.slider(key="flatten_row").set_value(5).run()
    at.slider(key="flatten_col").set_value(20).run()
    assert not at.exception
    assert at.metric[0].value == str(anatomy.flat_index(5, 20)) == "160"
    assert any(f"value **{image[5, 20]:.3f}**" in m.value for m in at.markdown)
    shown = at.get("plotly_chart")
    assert len(shown) == 3
    strip = charts.figure(shown[2])
    assert "row 5 = indices 140…167" in [a.get("text") for a in strip["layout"]["annotations"]]  # the same row
    # A phone's row zoom has no numbers on its cells: the page says how to read each value.
    assert any("tap a cell for its value" in c.value for c in at.caption)


def test_animation_toggle_adds_the_animated_figure(open_page):
    at = open_page("views/flatten.py", digit=np.zeros((28, 28), np.float32))  # a blank digit is not an error
    at.toggle(key="flatten_animate").set_value(True).run()
    assert not at.exception
    shown = at.get("plotly_chart")
    assert len(shown) == 4 and charts.figure(shown[3])["frames"]
