"""Every page on a phone and a tablet: no widget label cut off with "…", nothing wider than the screen."""

import statistics

import pytest

from tests.support import harness

PATHS = ["", "flatten", "layers", "weights", "walkthrough", "train", "map", "teach", "sweeps", "runs"]
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


# Each chart's drawing (Vega-Lite's marks, plotly's svg) against the column or page block it sits in: how many
# pixels it sticks out on the right, or "clipped" when its right edge is hidden (by a box around it smaller than
# the drawing) or it runs below the space the page keeps for it (over what follows).
CHARTS_STICKING_OUT = """() => [
  ...document.querySelectorAll('[data-testid=stVegaLiteChart], [data-testid=stPlotlyChart]')].map(c => {
    const drawing = c.querySelector('svg.marks, canvas.marks, .main-svg') || c;
    const shown = (x, y) => { const e = document.elementFromPoint(x, y); return e && c.contains(e); };
    drawing.scrollIntoView({block: 'center'});
    const drawn = drawing.getBoundingClientRect();
    const right = shown(drawn.right - 3, Math.min(Math.max(drawn.top + drawn.height / 2, 0), window.innerHeight - 1));
    const bottom = drawn.bottom <= c.closest('[data-testid=stElementContainer]').getBoundingClientRect().bottom + 1;
    const box = (c.closest('[data-testid=stColumn]') || c.closest('[data-testid=stMainBlockContainer]'))
      .getBoundingClientRect();
    return right && bottom ? Math.round(drawn.right - box.right) : 'clipped';
  }).filter(out => out === 'clipped' || out > 1)"""
# The on-screen height of every piece of text in every chart (tick labels, titles, annotations, legends, numbers).
CHART_TEXT = """() => [
  ...document.querySelectorAll('[data-testid=stVegaLiteChart] svg text, [data-testid=stPlotlyChart] .main-svg text')]
  .filter(t => t.textContent.trim()).map(t => t.getBoundingClientRect().height).filter(h => h > 0)"""


def test_presenter_mode_keeps_every_chart_inside_its_column_with_larger_type(browser_context, app_url):
    """Issue 12: on a projector (1920 px, presenter mode's zoom) the Train page's and the Map's Vega-Lite charts were
    1.35 times wider than their columns: cut off at the screen's edge, or drawn over the chart beside them. Zoomed
    back to fit, the charts' type was then no larger than on a laptop, while the issue asks for larger chart labels."""
    page = browser_context.new_page()
    page.set_viewport_size({"width": 1920, "height": 1080})
    try:
        for path in ("train", "map", "sweeps", "layers", "flatten"):
            sizes = {}
            for query in ("", "?presenter=1"):
                page.goto(f"{app_url}/{path}{query}")
                harness.wait_for_app(page)
                page.wait_for_function(harness.PICTURES_DRAWN, timeout=90_000)
                sizes[query] = statistics.median(page.evaluate(CHART_TEXT))
            assert page.evaluate(CHARTS_STICKING_OUT) == [], f"/{path} in presenter mode"
            assert sizes["?presenter=1"] >= 1.25 * sizes[""], f"/{path}: chart text {sizes}"
    finally:
        page.close()


# The row zoom's numbers as drawn (text plotly left out is not drawn): their boxes, left to right.
ROW_NUMBERS = """() => {
  const chart = [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
    .find(c => (c.querySelector('.gtitle')?.textContent || '').includes('zoomed in'));
  return [...chart.querySelectorAll('text')].filter(t => t.textContent.trim())
    .filter(t => !t.closest('.xaxislayer-above, .yaxislayer-above, .infolayer'))
    .map(t => t.getBoundingClientRect()).filter(r => r.width > 0).map(r => [r.left, r.right]);
}"""


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 720)])
def test_the_flatten_row_zoom_numbers_never_run_into_each_other(browser_context, app_url, width, height):
    """Issue 12: on a 390 px phone the row zoom's 28 numbers (".93", ".5", …) overlapped one another. A phone
    now shows the cells without numbers (hover gives the values), not only the zeros that fitted; a laptop still
    shows all 28."""
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    try:
        page.goto(f"{app_url}/flatten")
        harness.wait_for_app(page)
        page.wait_for_function(harness.PICTURES_DRAWN, timeout=90_000)
        boxes = sorted(page.evaluate(ROW_NUMBERS))
        assert all(left >= right_before for (_, right_before), (left, _) in zip(boxes, boxes[1:])), boxes
        assert len(boxes) in ((28,) if width >= 1280 else (0, 28))  # all or none: a few were left out at 390 px
    finally:
        page.close()
