"""Every page on a phone and a tablet: no widget label cut off with "…", nothing wider than the screen."""

import pytest

from tests.support import harness

PATHS = ["", "flatten", "layers", "weights", "walkthrough", "train", "teach", "runs"]
# Labels on screen that Streamlit shortens with an ellipsis (the navigation a phone folds away is not
# on screen), and anything that makes the page scroll sideways.
CUT_OFF = """() => [...document.querySelectorAll('.stMarkdownEllipsis')]
  .filter(e => e.checkVisibility() && e.getBoundingClientRect().width > 0 && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText)"""
TOO_WIDE = """() => document.documentElement.scrollWidth - window.innerWidth"""


@pytest.mark.parametrize("width,height", [(390, 844), (820, 1180)])
def test_no_label_is_cut_off_and_no_page_scrolls_sideways(browser_context, app_url, width, height):
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    try:
        for path in PATHS:
            page.goto(f"{app_url}/{path}")
            page.locator("h1").first.wait_for(timeout=90_000)
            harness.wait_for_app(page)
            assert harness.exceptions_on(page) == [], path
            assert page.evaluate(CUT_OFF) == [], f"/{path} at {width} px"
            assert page.evaluate(TOO_WIDE) <= 0, f"/{path} at {width} px"
    finally:
        page.close()
