"""Browser fixtures: one served app and one Chromium per test module. Under CI=true they never skip."""

from __future__ import annotations

import os

import pytest

from tests.support import harness


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_context():
    ok, reason = harness.browser_available()
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests must run on CI: {reason}")
        pytest.skip(reason)
    with harness.launched_browser() as context:
        yield context


@pytest.fixture(scope="module")
def app_url():
    with harness.served_app() as url:
        yield url


@pytest.fixture
def page(browser_context, app_url):
    page = browser_context.new_page()
    page.goto(app_url)
    page.locator("canvas.upper-canvas").first.wait_for(timeout=90_000)
    harness.wait_for_app(page)
    yield page
    page.close()
