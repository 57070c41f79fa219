"""Browser benchmarks: cold start and stroke-end → updated Prediction latency, in real Chromium."""

from __future__ import annotations

import statistics
import time

import numpy as np

from tests.support import harness, strokes

# Read in the page: the Prediction metric's text, or null while it is not on screen.
READ_PREDICTION = """() => {
  const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(e => e.innerText.includes('Prediction'));
  return m ? m.querySelector('[data-testid="stMetricValue"]').innerText.trim() : null;
}"""
# Resolves (polling every animation frame) with the time the Prediction text differs from `old`.
CHANGED_AT = """(old) => {
  const m = [...document.querySelectorAll('[data-testid="stMetric"]')].find(e => e.innerText.includes('Prediction'));
  const v = m && m.querySelector('[data-testid="stMetricValue"]').innerText.trim();
  return v !== null && v !== undefined && v !== old ? performance.now() : false;
}"""
RECORD_MOUSE_UP = """() => { window.__up = 0;
  document.addEventListener('mouseup', () => { window.__up = performance.now(); }, true); }"""

# Single-stroke digits only, so one stroke end triggers exactly one update.
LATENCY_CASES = [(d, s) for s in ("neat", "slanted", "narrow") for d in range(10) if len(strokes.SHAPES[d]) == 1]


def stroke_latencies_ms(page, cases, clear) -> list[float]:
    """For each case: clear, draw, and time mouse-up → the Prediction text changing (browser clock)."""
    page.bring_to_front()  # a background tab's animation frames are throttled to ~1 Hz
    if not page.evaluate("window.__up !== undefined"):
        page.evaluate(RECORD_MOUSE_UP)
    latencies = []
    for digit, style in cases:
        clear(page)
        old = page.evaluate(READ_PREDICTION)
        harness.draw(page, strokes.strokes(digit, style))
        try:
            changed = page.wait_for_function(CHANGED_AT, arg=old, polling="raf", timeout=15_000).json_value()
        except Exception:  # the prediction did not change (same digit twice): no sample
            continue
        latencies.append(changed - page.evaluate("window.__up"))
    return latencies


def clear_bare(page) -> None:
    page.get_by_role("button", name="Clear").click()
    page.wait_for_function(f"({READ_PREDICTION})() === '0'", polling="raf", timeout=15_000)
    harness.wait_for_app(page)


def stroke_latency_ratio_p95(rounds: int = 2, cases: int | None = None) -> dict:
    """p95 latency of nnviz's Draw page ÷ p95 of the bare canvas app, measured in one run, interleaved."""
    samples = {"nnviz": [], "bare": []}
    with harness.launched_browser() as context, harness.served_app() as nnviz_url, \
            harness.served_app("benchmarks/bare_canvas_app.py") as bare_url:
        pages = {}
        for name, url in (("nnviz", nnviz_url), ("bare", bare_url)):
            pages[name] = context.new_page()
            pages[name].goto(url)
            pages[name].locator("canvas.upper-canvas").first.wait_for(timeout=90_000)
            harness.wait_for_app(pages[name])
        for case in LATENCY_CASES[:cases] * rounds:  # alternate stroke by stroke: both apps see the same load
            samples["nnviz"] += stroke_latencies_ms(pages["nnviz"], [case], harness.clear_canvas)
            samples["bare"] += stroke_latencies_ms(pages["bare"], [case], clear_bare)
    p95 = {k: float(np.percentile(v, 95)) for k, v in samples.items()}
    return {"value": p95["nnviz"] / p95["bare"], "detail": f"p95 nnviz {p95['nnviz']:.0f} ms, bare canvas "
            f"{p95['bare']:.0f} ms ({len(samples['nnviz'])}/{len(samples['bare'])} strokes)"}


def cold_start_s(runs: int = 3) -> dict:
    """`streamlit run app.py` start → the Draw page's canvas is ready in Chromium; median of runs."""
    times = []
    with harness.launched_browser() as context:
        for _ in range(runs):
            start = time.perf_counter()
            with harness.served_app() as url:
                page = context.new_page()
                page.goto(url)
                page.locator("canvas.upper-canvas").first.wait_for(timeout=120_000)
                times.append(time.perf_counter() - start)
                page.close()
    return {"value": statistics.median(times), "detail": "runs: " + ", ".join(f"{t:.1f} s" for t in times)}


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def rss_idle_mb() -> dict:
    """Server resident memory once a browser has opened the Draw page and the app sits idle."""
    with harness.launched_browser() as context, harness.served_app() as url:
        page = context.new_page()
        page.goto(url)
        page.locator("canvas.upper-canvas").first.wait_for(timeout=120_000)
        harness.wait_for_app(page)
        page.wait_for_timeout(2000)
        return {"value": rss_mb(url.pid), "detail": "after the Draw page loaded"}


def rss_training_mb_w512(seconds: float = 6.0) -> dict:
    """Server resident memory while one session trains a width-512 network (peak of samples)."""
    with harness.launched_browser() as context, harness.served_app() as url:
        page = context.new_page()
        page.goto(url + "/train?width=512&epochs=0")
        harness.wait_for_app(page)
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text("Training…").first.wait_for(timeout=60_000)
        peak = 0.0
        for _ in range(int(seconds / 0.5)):
            page.wait_for_timeout(500)
            peak = max(peak, rss_mb(url.pid))
        page.get_by_role("button", name="Stop", exact=True).click()
        return {"value": peak, "detail": f"peak over {seconds:.0f} s of training"}
