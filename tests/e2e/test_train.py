"""Training in a real browser: the curves grow, other pages stay usable, and a closed tab frees its slot."""

from tests.e2e import harness

UNTIL_PAUSED = "/train?epochs=0&train_size=8000"  # epochs=0: train until paused or stopped

# Points in the Train page's first chart (accuracy), as plotly.js counted them after decoding
# the figure (plotly sends arrays base64-encoded, so the raw trace data has no length).
CHART_POINTS = """() => {
  const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  return plot && plot._fullData ? plot._fullData.reduce((n, trace) => n + (trace._length || 0), 0) : 0;
}"""


def step(page) -> int:
    return int(harness.metric_value(page, "Step").replace(",", ""))


def test_training_goes_on_while_the_user_visits_another_page(page, app_url):
    page.goto(app_url + UNTIL_PAUSED)
    harness.wait_for_app(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Training…").first.wait_for(timeout=60_000)
    page.wait_for_function(f"({CHART_POINTS})() > 0", timeout=60_000)
    points, steps = page.evaluate(CHART_POINTS), step(page)
    page.wait_for_function(f"({CHART_POINTS})() > {points}", timeout=60_000)  # the chart grows live
    assert step(page) > steps

    harness.goto_page(page, "Draw")
    page.wait_for_timeout(500)
    assert "training live" in page.locator('[data-testid="stSidebar"]').inner_text()  # every page uses the run
    assert harness.metric_value(page, "Prediction").isdigit() and not harness.exceptions_on(page)
    page.wait_for_timeout(2000)
    harness.goto_page(page, "Train")
    assert step(page) > steps  # it went on training while the user drew

    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Test accuracy").first.wait_for(timeout=60_000)
    harness.wait_for_app(page)
    stopped_at = step(page)
    page.wait_for_timeout(1500)
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
        second.get_by_text("Queued: this server trains at most 1 runs at once").wait_for(timeout=60_000)
        first.close()  # the tab goes: its session disconnects and its trainer must end, freeing the slot
        second.get_by_text("Training…").first.wait_for(timeout=60_000)
        assert not harness.exceptions_on(second)
        second.close()
