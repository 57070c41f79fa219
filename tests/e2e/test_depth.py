"""A deeper network in a real browser: pick "deeper, not wider", train it, and every page shows it without an error."""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support import harness

ARTIFACTS = Path(os.environ.get("NNVIZ_ARTIFACTS", harness.ROOT / "artifacts")) / "screenshots"
STEPS = """() => {
  const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(
    e => e.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === 'Step');
  return m ? parseInt(m.querySelector('[data-testid="stMetricValue"]').innerText.replace(/,/g, ''), 10) : -1;
}"""
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def test_a_deeper_network_trains_and_every_page_shows_it(page, app_url):
    page.goto(app_url + "/train?epochs=0&train_size=2000")
    harness.wait_for_app(page)
    page.get_by_role("button", name="deeper, not wider", exact=True).click()
    harness.wait_for_app(page)
    page.get_by_text("Layer 3 width").first.wait_for(timeout=30_000)
    # The link follows the controls once the browser has applied the rerun's query string.
    page.wait_for_function("() => new URLSearchParams(location.search).get('widths') === '128,64,32'",
                           timeout=30_000)
    assert parse_qs(urlsplit(page.url).query)["widths"] == ["128,64,32"] and "width=" not in page.url

    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"({STEPS})() > 50", timeout=90_000)  # a few seconds of training
    assert "widths 128-64-32, training live" in harness.header_text(page)  # every page uses the run
    page.get_by_role("button", name="Stop", exact=True).click()
    # The run is tested on the held-out digits, saved, then shown: slow on a busy machine.
    page.get_by_text("Accuracy on each kind of digit").first.wait_for(timeout=120_000)
    harness.wait_for_app(page)
    assert not page.locator(ERRORS).count()

    for title in ("Layers", "Weights", "Forward pass", "Teach"):
        harness.goto_page(page, title)
        page.wait_for_function(harness.PICTURES_DRAWN, timeout=60_000)
        assert "you trained (widths 128-64-32, stopped" in harness.header_text(page), title
        assert page.locator(ERRORS).all_inner_texts() == [], title
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"depth-{harness.slug(title)}.png"), full_page=True)
