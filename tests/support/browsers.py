"""One Debian Chromium with a fresh context (its own cookies) per person, that reaches only 127.0.0.1:
for browser tests in which several people sign in, or a session's cookies matter."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.support import harness


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A launched Chromium (Playwright Browser); fails under CI=true, else skips, when there is none."""
    ok, reason = harness.browser_available()
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests must run on CI: {reason}")
        pytest.skip(reason)
    browser = harness.playwright().chromium.launch(executable_path=harness.browser_path(), args=harness.FLAGS,
                                                   headless=True)
    try:
        yield browser
    finally:
        browser.close()


def _loopback_only(route) -> None:
    # e.g. the OIDC provider's form links a stylesheet on the internet: never fetched, so no test waits on it
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@contextlib.contextmanager
def person(browser) -> Iterator[object]:
    """A new page in a context of its own (cookies, storage), as a different person's browser."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", _loopback_only)
    try:
        yield context.new_page()
    finally:
        context.close()
