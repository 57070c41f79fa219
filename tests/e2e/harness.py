"""Drive the real app in a real browser: serve it on loopback, launch Chromium, draw with the mouse.

Shared by the end-to-end tests, scripts/screenshots.py (the README's screenshots) and the benchmarks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEBIAN_CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_app(script: str = "app.py", env: dict | None = None, timeout: float = 90.0):
    """`streamlit run` on a free loopback port; yields the base URL and stops the server after."""
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        os.unlink(log.name)


def browser_path() -> str | None:
    """Debian's Chromium when present, else None (Playwright's own browser, if installed)."""
    return DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None


def browser_available() -> tuple[bool, str]:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False, "Playwright for Python is not installed"
    if browser_path():
        return True, ""
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    if any(cache.glob("chromium*")):
        return True, ""
    return False, "no Chromium: apt-get install -y chromium (or `playwright install chromium`)"


@contextlib.contextmanager
def launched_browser():
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="nnviz-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=browser_path(), args=FLAGS, headless=True,
            viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def open_page(context, url: str):
    page = context.new_page()
    page.goto(url)
    page.locator("canvas.upper-canvas").first.wait_for(timeout=60_000) if url.rstrip("/").count("/") == 2 else None
    return page


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script (no 'Running…' status)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=timeout)


def draw(page, paths, step_px: float = 6.0) -> None:
    """Draw strokes (canvas pixel coordinates) with real mouse events, as a person would."""
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    for path in paths:
        page.mouse.move(box["x"] + path[0][0], box["y"] + path[0][1])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(path, path[1:]):
            n = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / step_px))
            for k in range(1, n + 1):
                page.mouse.move(box["x"] + x0 + (x1 - x0) * k / n, box["y"] + y0 + (y1 - y0) * k / n)
        page.mouse.up()
        page.wait_for_timeout(50)


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
