"""Make a model the active one in a real browser, as a user does: upload its .keras file on the Runs page."""

from __future__ import annotations

from pathlib import Path

from tests.support import harness


def upload(page, path: Path, goto=harness.goto_page) -> None:
    """Upload a .keras file on the Runs page (reached by `goto`: the top navigation unless a phone's menu is
    given) and wait until every page uses it."""
    goto(page, "Runs & models")
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Upload a .keras model")
    uploader.wait_for(timeout=30_000)  # not the Draw page's picture uploader, which may linger a moment
    uploader.locator('input[type="file"]').set_input_files(str(path))
    page.locator('[data-testid="stAlert"]').filter(has_text="is now the model every page shows").wait_for(
        timeout=120_000)  # the server's first upload imports TensorFlow
    harness.wait_for_app(page)
