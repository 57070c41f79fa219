"""Drive the real app in a real browser: serve it on loopback, launch Chromium, draw with the mouse.

Shared by the end-to-end tests, scripts/screenshots.py (the README's screenshots) and the benchmarks.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
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


class ServedApp(str):
    """The app's base URL (a plain string to callers), carrying the server's process id."""

    pid: int


@contextlib.contextmanager
def served_app(script: str = "app.py", env: dict | None = None, timeout: float = 90.0):
    """`streamlit run` on a free loopback port; yields the base URL and stops the server after."""
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = ServedApp(f"http://127.0.0.1:{port}")
    url.pid = proc.pid
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


_playwright = None


def playwright():
    """This process's one Playwright, started on first use and stopped at exit: its sync API refuses to
    start while another is running ("Playwright Sync API inside the asyncio loop"), so a test that
    launches browsers of its own while the session's browser is open must share it."""
    global _playwright
    if _playwright is None:
        from playwright.sync_api import sync_playwright

        _playwright = sync_playwright().start()
        atexit.register(_playwright.stop)
    return _playwright


@contextlib.contextmanager
def launched_browser():
    profile = tempfile.mkdtemp(prefix="nnviz-chromium-")
    context = playwright().chromium.launch_persistent_context(
        profile, executable_path=browser_path(), args=FLAGS, headless=True,
        viewport={"width": 1400, "height": 1000})
    context.add_init_script(RUN_WATCH)  # before the app's own scripts: its socket's sends are counted
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


# Installed in every page before the app loads, it follows the app's websocket: each rerun the page asks for (a
# BackMsg whose field 11 is rerun_script, a ClientState), leaving out a fragment's timed reruns (is_auto_rerun,
# ClientState field 6), and each script run's end the server reports (a ForwardMsg whose field 6 is the
# script_finished status; 2, "finished early for a rerun", is no end). A request is answered by the first run
# that ends after it: a request during a run preempts it or runs right after it. The last events are kept for
# failure messages.
RUN_WATCH = """(() => {
  if (window.nnvizRuns) return;
  const runs = window.nnvizRuns = {sent: 0, answered: 0, ended: 0, log: []};
  const note = event => { runs.log.push(event); if (runs.log.length > 30) runs.log.shift(); };
  const bytes = data => data instanceof ArrayBuffer ? new Uint8Array(data)
    : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  const fields = b => {  // a protobuf message's top-level fields: {number: varint value, or bytes}
    const found = {};
    let i = 0;
    const varint = () => {
      let v = 0, k = 1;
      for (;;) { const c = b[i++]; v += (c & 127) * k; if (c < 128 || i >= b.length) return v; k *= 128; }
    };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), type = tag % 8;
      if (type === 0) { found[field] = varint(); }
      else if (type === 2) { const n = varint(); found[field] = b.subarray(i, i + n); i += n; }
      else if (type === 1) { i += 8; } else if (type === 5) { i += 4; } else { break; }
    }
    return found;
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!this.nnvizWatched) {
      this.nnvizWatched = true;
      this.addEventListener('message', e => {
        const b = bytes(e.data);
        const status = b ? fields(b)[6] : undefined;
        if (typeof status !== 'number') return;
        note('finished ' + status);
        if (status !== 2) { runs.ended++; runs.answered = runs.sent; }
      });
    }
    const b = bytes(data);
    const rerun = b && b[0] === 0x5a ? fields(b)[11] : undefined;
    if (rerun && !fields(rerun)[6]) { runs.sent++; note('sent ' + runs.sent); }
    return send.call(this, data);
  };
})()"""

# The app has answered every rerun the page asked for, is connected, and shows no "Running…" status (which a run
# the server starts by itself, such as a script's st.rerun(), shows too; a fragment's timed rerun does not).
APP_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const runs = window.nnvizRuns;
  return !!app && !!runs && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') !== 'initial' && runs.answered === runs.sent
    && !document.querySelector('[data-testid="stStatusWidget"]');
}"""


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has answered every rerun the page asked for (a click, a stroke, a page link)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(RUN_WATCH)  # a page made outside launched_browser gets the watch now
    try:
        page.wait_for_function(APP_IDLE, timeout=timeout)
    except PlaywrightTimeout as exc:
        seen = page.evaluate("JSON.stringify([window.nnvizRuns, document.querySelector('[data-testid=stApp]')"
                             "?.getAttribute('data-test-connection-state')])")
        raise AssertionError(f"the app never settled (runs, connection: {seen})") from exc


def draw(page, paths, step_px: float = 6.0) -> None:
    """Draw strokes (coordinates on a canvas.WIDTH-wide canvas) with real mouse events, as a person
    would, scaled to the canvas as it shows on screen (bigger in presenter mode)."""
    from nnviz import canvas

    upper = page.locator("canvas.upper-canvas").first
    box = upper.bounding_box()
    scale = box["width"] / canvas.WIDTH
    page.evaluate(RUN_WATCH)
    for path in paths:
        path = [(x * scale, y * scale) for x, y in path]
        sent = page.evaluate("window.nnvizRuns.sent")
        page.mouse.move(box["x"] + path[0][0], box["y"] + path[0][1])
        page.mouse.down()
        for (x0, y0), (x1, y1) in zip(path, path[1:]):
            n = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / step_px))
            for k in range(1, n + 1):
                page.mouse.move(box["x"] + x0 + (x1 - x0) * k / n, box["y"] + y0 + (y1 - y0) * k / n)
        page.mouse.up()
        # The pad sends each finished stroke to the app (a rerun request) before the next one begins.
        page.wait_for_function(f"window.nnvizRuns.sent > {sent}", timeout=30_000)


def empty_notice(page):
    return page.locator('[data-testid="stAlert"]').filter(has_text="canvas is empty")


def clear_canvas(page) -> None:
    """Click Clear and wait for the "empty canvas" notice of the rerun it causes."""
    page.get_by_role("button", name="Clear").click()
    empty_notice(page).wait_for(timeout=30_000)
    wait_for_app(page)


def predicted_after_drawing(page, paths) -> str:
    """Clear, draw, wait for the rerun that the stroke end triggers, and read the Prediction.

    Clearing shows an "empty canvas" notice; the drawing's rerun removes it, which tells us the
    Prediction on screen is the new one (the digit may well be the same as before).
    """
    clear_canvas(page)
    draw(page, paths)
    empty_notice(page).wait_for(state="detached", timeout=30_000)
    wait_for_app(page)
    return metric_value(page, "Prediction")


def slug(title: str) -> str:
    """A page title as a file name: "Runs & models" → "runs-models"."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


# Every plotly chart on the page laid out and shown (plotly hides a chart until then), every Vega-Lite chart
# drawn, and no skeleton left.
CHARTS_DRAWN = ("() => !document.querySelector('[data-testid^=\"stSkeleton\"]') && "
                "[...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].every(c => "
                "c.querySelector('.main-svg') && c.querySelector('.js-plotly-plot').style.visibility !== 'hidden') && "
                "[...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')].every(c => "
                "c.querySelector('svg, canvas'))")

# As CHARTS_DRAWN, and at least one chart or image on the page: every page shows one, some from a fragment.
PICTURES_DRAWN = ("() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"], "
                  "[data-testid=\"stVegaLiteChart\"], [data-testid=\"stImage\"], "
                  "[data-testid=\"stImageContainer\"]').length > 0 && (" + CHARTS_DRAWN + ")()")


def page_titles(page) -> list[str]:
    # Each link's text is the Material icon's name, then the title: keep the title.
    links = page.locator('[data-testid="stTopNavLink"]').all_inner_texts()
    return [text.strip().splitlines()[-1].strip() for text in links]


def tour(page, out_dir: Path | None = None, digit: int = 3) -> dict[str, dict]:
    """Draw a digit, then open every page from the navigation: what each shows, and a screenshot of each."""
    from tests.support import strokes

    seen = {"Draw": {"prediction": predicted_after_drawing(page, strokes.strokes(digit, "neat"))}}
    titles = page_titles(page)
    for title in titles:
        if title != "Draw":
            goto_page(page, title)
        page.wait_for_function(PICTURES_DRAWN, timeout=60_000)  # a live fragment may draw after the page is done
        seen.setdefault(title, {}).update(
            plots=page.locator('[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"]').count(),
            images=page.locator('[data-testid="stImage"], [data-testid="stImageContainer"]').count(),
            exceptions=exceptions_on(page), text=page.locator("main").inner_text())
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out_dir / f"{slug(title)}.png"), full_page=True)
    goto_page(page, "Draw")
    return seen


def goto_page(page, title: str) -> None:
    """Navigate with the links at the top, as a user would (keeps the session and its digit)."""
    page.locator('[data-testid="stTopNavLink"]').filter(has=page.get_by_text(title, exact=True)).click()
    wait_for_app(page)


def header_text(page) -> str:
    """The line above every page: which model and data are in use."""
    return page.locator(".st-key-nnviz_header").inner_text()


def exceptions_on(page) -> list[str]:
    return [e.inner_text() for e in page.locator('[data-testid="stException"]').all()]


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


# A metric's value as shown, by its exact label (None while no such metric is on the page).
METRIC_SHOWN = """label => {
  const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(
    e => e.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() === label);
  return m ? m.querySelector('[data-testid="stMetricValue"]').innerText.trim() : null;
}"""


def wait_for_metric(page, label: str, value: str, timeout: float = 30_000) -> None:
    """Wait until the metric labelled label shows value, then until the app is idle."""
    page.wait_for_function(f"([label, value]) => ({METRIC_SHOWN})(label) === value", arg=[label, value],
                           timeout=timeout)
    wait_for_app(page)
