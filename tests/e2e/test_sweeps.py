"""A sweep in a real browser: Run trains the first value, its point appears, Pause holds, Cancel keeps it."""

from tests.support import harness

PROGRESS = '[data-testid="stProgress"]'
# The sweep chart's points as drawn: plotly draws each marker of a scatter trace as a path.point.
POINTS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .scatterlayer .trace')]
  .reduce((n, t) => n + t.querySelectorAll('path.point').length, 0)"""


def progress_text(page) -> str:
    return page.locator(PROGRESS).inner_text()


def test_a_sweep_adds_a_point_per_run_and_cancelling_keeps_the_finished_run(browser_context, app_url):
    page = browser_context.new_page()
    page.goto(app_url + "/sweeps")
    harness.wait_for_app(page)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Run 1 of 7: hidden width 8.").wait_for(timeout=60_000)
    assert page.evaluate(POINTS) == 0
    # The page polls on its own: the first run ends and its point (training, validation, test) appears.
    page.get_by_text("Run 2 of 7: hidden width 16.").wait_for(timeout=180_000)
    page.wait_for_function(f"({POINTS})() === 3", timeout=30_000)
    assert "to go" in progress_text(page)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_text("(paused)").wait_for(timeout=30_000)
    page.get_by_role("button", name="Cancel", exact=True).click()
    page.get_by_text("Its 1 finished run stays saved.").wait_for(timeout=30_000)
    harness.wait_for_app(page)
    assert "Cancelled after 1 finished run of 7." in progress_text(page)
    assert page.evaluate(POINTS) == 3
    assert not harness.exceptions_on(page)
    page.close()
