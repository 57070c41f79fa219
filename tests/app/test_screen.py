"""Presenter mode and the page-wide styles, under AppTest through app.py."""

import json

from streamlit.testing.v1 import AppTest

from nnviz import canvas
from nnviz.app import screen
from tests.conftest import ROOT


def opened(page: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def texts(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def test_a_presenter_link_opens_in_presenter_mode_without_hover_instructions():
    at = opened("views/layers.py", presenter="1")
    assert not at.exception
    assert at.session_state[screen.PRESENTER] and at.toggle(key="presenter_toggle").value
    assert "Hover" not in texts(at)
    assert "Hover over anything" in texts(opened("views/layers.py"))


def test_the_toggle_puts_presenter_mode_in_the_link_and_takes_it_out():
    at = opened("views/draw.py")
    assert not at.session_state[screen.PRESENTER]
    at.toggle(key="presenter_toggle").set_value(True).run()
    assert at.query_params["presenter"] in ("1", ["1"]) and at.session_state[screen.PRESENTER]
    at.toggle(key="presenter_toggle").set_value(False).run()
    assert "presenter" not in at.query_params and not at.session_state[screen.PRESENTER]


def pad(at) -> dict:
    """The digit pad's settings as the page sent them to the browser."""
    [component] = at.get("bidi_component")
    return json.loads(component.proto.json)


def test_presenter_mode_draws_on_a_bigger_canvas_without_the_toolbar():
    normal, big = pad(opened("views/draw.py")), pad(opened("views/draw.py", presenter="1"))
    assert (normal["canvasWidth"], normal["canvasHeight"]) == (canvas.WIDTH, canvas.WIDTH)
    assert (big["canvasWidth"], big["canvasHeight"]) == (canvas.PRESENTER_WIDTH, canvas.PRESENTER_WIDTH)
    assert canvas.PRESENTER_WIDTH * screen.ZOOM >= 0.4 * 1080  # 40% of a 1080-px projector's height
    assert big["strokeWidth"] == canvas.stroke_for(canvas.PRESENTER_WIDTH)  # draws as thick, relative to the pad
    [component] = opened("views/draw.py").get("bidi_component")
    assert ".dc-toolbar, .dc-textarea-host { display: none !important; }" in component.proto.css_content
