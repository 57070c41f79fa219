"""Training in a real browser: the curves grow, other pages stay usable, and a closed tab frees its slot."""

import json
from urllib.parse import parse_qs, urlsplit

from tests.support import harness, strokes

UNTIL_PAUSED = "/train?epochs=0&train_size=8000"  # epochs=0: train until paused or stopped

# The Train page's first chart (accuracy) as drawn: the number of its curves' points (Vega draws each
# point as an svg path: the hover targets) and a hash of its drawing ("" before it is drawn).
CHART_DRAWING = """() => {
  const svg = document.querySelector('[data-testid="stVegaLiteChart"] svg.marks');
  if (!svg) return '';
  let hash = 0;
  for (const c of svg.innerHTML) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return svg.querySelectorAll('.mark-symbol path').length + ':' + hash;
}"""


# The Step metric's number, read in the page (so a wait can poll it without a round trip per try).
STEP_METRIC = """() => {
  const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(
    e => e.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === 'Step');
  return m ? parseInt(m.querySelector('[data-testid="stMetricValue"]').innerText.replace(/,/g, ''), 10) : -1;
}"""
SHARED_LINK = {"width": "32", "dropout": "0.5", "epochs": "5", "train_size": "500"}
# What the sliders show for the link (and the defaults it leaves out), top to bottom.
LINK_SLIDERS = ["32", "0.5", "0.001", "32", "5", "500"]


def step(page) -> int:
    return int(harness.metric_value(page, "Step").replace(",", ""))


def wait_for_step_above(page, steps: int) -> None:
    page.wait_for_function(f"({STEP_METRIC})() > {steps}", timeout=60_000)


SLIDER_THUMBS = '[data-testid="stSlider"] [data-testid="stSliderThumbValue"]'


def slider_values(page) -> list[str]:
    """What the sliders show, once all six are on screen (the page may be between two runs)."""
    page.wait_for_function(f"document.querySelectorAll('{SLIDER_THUMBS}').length === {len(LINK_SLIDERS)}",
                           timeout=60_000)
    return page.locator(SLIDER_THUMBS).all_inner_texts()


def link_values(url: str) -> dict[str, str]:
    query = parse_qs(urlsplit(url).query)
    return {name: query.get(name, [""])[-1] for name in SHARED_LINK}


def test_a_shared_link_opens_with_its_settings_in_every_fresh_session(browser_context, app_url):
    """Issue 12, defect 1: on a warm server, a link opened in 5 new tabs shows its values each time,
    keeps them in the URL, and Step trains with them without a "you changed" warning."""
    warm = browser_context.new_page()
    warm.goto(app_url + "/train")
    harness.wait_for_app(warm)
    warm.close()
    link = app_url + "/train?" + "&".join(f"{k}={v}" for k, v in SHARED_LINK.items())
    for attempt in range(5):
        page = browser_context.new_page()  # a new tab: a fresh Streamlit session
        # …and, as in a fresh browser, nothing cached: the slider's code then arrives after the page's
        # first run, which is when the browser used to fall back to each slider's declared value.
        cdp = browser_context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        try:
            page.goto(link)
            page.get_by_text("Ready: press").first.wait_for(timeout=60_000)  # the trainer is prepared
            harness.wait_for_app(page)
            assert slider_values(page) == LINK_SLIDERS, attempt
            assert link_values(page.url) == SHARED_LINK, attempt
            page.get_by_role("button", name="Step", exact=True).click()
            wait_for_step_above(page, 0)
            harness.wait_for_app(page)
            assert slider_values(page) == LINK_SLIDERS, attempt
            assert link_values(page.url) == SHARED_LINK, attempt
            assert not page.get_by_text("You changed the").count() and not harness.exceptions_on(page)
        finally:
            page.close()


def test_training_goes_on_while_the_user_visits_another_page(page, app_url):
    page.goto(app_url + UNTIL_PAUSED)
    page.get_by_text("Ready: press").first.wait_for(timeout=60_000)  # the trainer is prepared, and the page says so
    harness.wait_for_app(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Training…").first.wait_for(timeout=60_000)
    wait_for_step_above(page, 0)
    drawing, steps = page.evaluate(CHART_DRAWING), step(page)
    page.wait_for_function(f"({CHART_DRAWING})() !== {json.dumps(drawing)}", timeout=60_000)  # it redraws, live
    # The Step metric grows too. Waited for, not read at once: a chart is drawn after the metrics of the
    # same refresh are on screen, so the chart catching up can show a step the metric already showed.
    wait_for_step_above(page, steps)

    harness.goto_page(page, "Draw")  # the header of the Draw page's own run, once it has ended
    assert "training live" in harness.header_text(page)  # every page uses the run
    harness.predicted_after_drawing(page, strokes.strokes(3, "neat"))  # the user draws: the app runs on
    assert "training live" in harness.header_text(page)  # the run still trains, on its own
    assert not harness.exceptions_on(page)
    harness.goto_page(page, "Train")
    wait_for_step_above(page, steps)  # it went on training while the user drew

    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Accuracy on each kind of digit").first.wait_for(timeout=60_000)
    harness.wait_for_app(page)
    stopped_at = step(page)
    # Later runs of the app, on another page and back, report the run's final step: it trains no more.
    harness.goto_page(page, "Draw")
    assert f"stopped, step {stopped_at:,})" in harness.header_text(page)
    harness.goto_page(page, "Train")
    assert step(page) == stopped_at and not harness.exceptions_on(page)


def test_closing_the_browser_tab_ends_its_training_run(browser_context):
    """In a real server capped at one training run: a second tab waits in the queue until the first closes."""
    with harness.served_app(env={"NNVIZ_MAX_TRAINERS": "1"}) as url:
        first = browser_context.new_page()
        first.goto(url + UNTIL_PAUSED)
        harness.wait_for_app(first)
        first.get_by_role("button", name="Train", exact=True).click()
        first.get_by_text("Training…").first.wait_for(timeout=60_000)
        second = browser_context.new_page()
        second.goto(url + UNTIL_PAUSED)
        harness.wait_for_app(second)
        second.get_by_role("button", name="Train", exact=True).click()
        second.get_by_text("Queued: this server trains at most 1 run at once").wait_for(timeout=60_000)
        first.close()  # the tab goes: its session disconnects and its trainer must end, freeing the slot
        second.get_by_text("Training…").first.wait_for(timeout=60_000)
        assert not harness.exceptions_on(second)
        second.close()


# Each live chart on screen and drawn: a plotly chart laid out and not hidden, a Vega-Lite chart with its
# canvas or svg, images (the weight tiles) loaded; none of zero size.
LIVE_CHARTS = ('[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"], [data-testid="stImage"], '
               '[data-testid="stHtml"]:has(img)')
DRAWN = """el => {
  const box = el.getBoundingClientRect();
  if (box.width < 20 || box.height < 20) return false;
  const plot = el.querySelector('.js-plotly-plot');
  if (plot) return !!plot.querySelector('.main-svg') && getComputedStyle(plot).visibility !== 'hidden'
                   && (plot._fullData || []).length > 0;
  const imgs = [...el.querySelectorAll('img')];
  if (imgs.length) return imgs.every(img => img.complete && img.naturalWidth > 0);
  const vega = el.querySelector('canvas, svg.marks');
  return !!vega && vega.getBoundingClientRect().height > 20;
}"""
# Samples the live charts in the frame after every change to the page (a MutationObserver asks for the next
# animation frame: what is painted then is what the user sees). A sample: how many charts, how many drawn.
SAMPLE_FRAMES = """() => {
  window.liveFrames = [];
  const drawn = DRAWN;
  let asked = false;
  const sample = () => {
    asked = false;
    const charts = [...document.querySelectorAll('LIVE_CHARTS')];
    window.liveFrames.push({charts: charts.length, drawn: charts.filter(drawn).length});
  };
  new MutationObserver(() => { if (!asked) { asked = true; requestAnimationFrame(sample); } })
    .observe(document.querySelector('[data-testid="stMain"]'), {subtree: true, childList: true, attributes: true});
}""".replace("DRAWN", DRAWN).replace("LIVE_CHARTS", LIVE_CHARTS)
FRAMES = 40


def test_the_live_charts_never_show_a_blank_frame(page, app_url):
    """Issue 12: in 1 of 12 live frames a chart was blank (each refresh replaced the chart, which stays
    hidden until laid out again). While a run trains, every frame after a page change has every chart drawn."""
    page.goto(app_url + UNTIL_PAUSED)
    page.get_by_text("Ready: press").first.wait_for(timeout=60_000)  # the trainer is prepared, and the page says so
    harness.wait_for_app(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Training…").first.wait_for(timeout=60_000)
    wait_for_step_above(page, 5)
    # Every live chart drawn once: the probe digit's and the tiles' fragment refreshes after the curves'.
    page.wait_for_function(f"[...document.querySelectorAll('{LIVE_CHARTS}')].filter({DRAWN}).length >= 4",
                           timeout=60_000)
    shown = page.locator(LIVE_CHARTS).count()
    steps = step(page)
    page.evaluate(SAMPLE_FRAMES)
    page.wait_for_function(f"window.liveFrames.length >= {FRAMES}", timeout=120_000)
    frames = page.evaluate("window.liveFrames")
    assert step(page) > steps  # the samples span live refreshes, not a still page
    blank = [f for f in frames if f["drawn"] < shown or f["charts"] < shown]
    assert not blank, f"{len(blank)} of {len(frames)} frames with a blank or missing chart (of {shown}): {blank[:5]}"
    page.get_by_role("button", name="Stop", exact=True).click()
