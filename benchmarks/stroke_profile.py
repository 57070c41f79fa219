"""Where a stroke's answer spends its time, nnviz's Draw page against the bare canvas app.

python benchmarks/stroke_profile.py [--rounds N] [--only nnviz|bare]

For each stroke, in the browser's clock from mouse-up: the first and last websocket message of its rerun,
when the Prediction text changed, the messages' count and bytes, the media files fetched over HTTP, and the
main thread's long tasks (over 50 ms); on the server: its process CPU time, all threads (10 ms ticks).
Medians, means and p95 are printed per app. A diagnostic, not a target (that is stroke_latency_ratio_p95
in benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks import browser  # noqa: E402
from tests.support import harness, strokes  # noqa: E402

# Every websocket message in (time, bytes), every resource fetched, every long task of the main thread.
TRACE = """(() => {
  if (window.nnvizTrace) return;
  const trace = window.nnvizTrace = {messages: [], tasks: [], changes: []};
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!this.nnvizTraced) {
      this.nnvizTraced = true;
      this.addEventListener('message', e => {
        const n = e.data instanceof ArrayBuffer ? e.data.byteLength : (e.data.size || e.data.length || 0);
        trace.messages.push([performance.now(), n]);
      });
    }
    return send.call(this, data);
  };
  new MutationObserver(() => {
    const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
      .find(e => e.textContent.includes('Prediction'));
    const v = m ? m.querySelector('[data-testid="stMetricValue"]').textContent.trim() : null;
    if (v !== trace.shown) { trace.shown = v; trace.changes.push([performance.now(), v]); }
  }).observe(document, {subtree: true, childList: true, characterData: true});
  new PerformanceObserver(list => { for (const e of list.getEntries()) trace.tasks.push([e.startTime, e.duration]); })
    .observe({type: 'longtask', buffered: true});
})()"""


def cpu_ms(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def profile(page, pid: int, cases, clear, verbose=False) -> list[dict]:
    page.bring_to_front()
    page.evaluate(browser.RECORD_MOUSE_UP)
    rows = []
    for digit, style in cases:
        clear(page)
        old = page.evaluate(browser.READ_PREDICTION)
        page.evaluate("window.nnvizTrace.messages = []; window.nnvizTrace.tasks = []; window.nnvizTrace.changes = []; "
                      "performance.clearResourceTimings()")
        cpu0 = cpu_ms(pid)
        harness.draw(page, strokes.strokes(digit, style))
        try:
            changed = page.wait_for_function(browser.CHANGED_AT, arg=old, polling="raf", timeout=15_000).json_value()
        except Exception:
            continue
        harness.wait_for_app(page)
        page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=15_000)
        cpu1 = cpu_ms(pid)
        up = page.evaluate("window.__up")
        msgs = [(t - up, n) for t, n in page.evaluate("window.nnvizTrace.messages") if t >= up]
        media = [(e["startTime"] - up, e["responseEnd"] - up, e["transferSize"]) for e in page.evaluate(
            "performance.getEntriesByType('resource').map(e => e.toJSON())") if "/media/" in e["name"]]
        tasks = [(s - up, d) for s, d in page.evaluate("window.nnvizTrace.tasks") if s + d >= up]
        dom = next((t - up for t, v in page.evaluate("window.nnvizTrace.changes") if t >= up and v not in (old, None)),
                   float("nan"))
        before = [m for m in msgs if m[0] <= dom]
        if verbose:
            print(f"stroke {digit} {style}: dom change {dom:.0f} ms, raf change {changed - up:.0f} ms; messages " +
                  " ".join(f"{t:.0f}:{n}" for t, n in msgs), flush=True)
        rows.append({"latency": changed - up, "dom_change": dom, "first_msg": msgs[0][0] if msgs else float("nan"),
                     "msgs_before": len(before), "bytes_before": sum(n for _, n in before),
                     "msgs": len(msgs), "bytes": sum(n for _, n in msgs),
                     "last_msg": msgs[-1][0] if msgs else float("nan"),
                     "media": len(media), "media_bytes": sum(m[2] for m in media),
                     "media_end": max((m[1] for m in media), default=float("nan")),
                     "long_tasks_ms": sum(d for _, d in tasks), "server_cpu_ms": cpu1 - cpu0})
    return rows


def summary(name: str, rows: list[dict]) -> str:
    lines = [f"{name}: {len(rows)} strokes"]
    for key in rows[0]:
        values = [r[key] for r in rows]
        lines.append(f"  {key:<15} median {statistics.median(values):9.1f}   mean {statistics.fmean(values):9.1f}   "
                     f"p95 {np.percentile(values, 95):9.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", choices=("nnviz", "bare"))
    parser.add_argument("--verbose", action="store_true", help="print each stroke's messages (ms after mouse-up:bytes)")
    args = parser.parse_args()
    apps = {"nnviz": ("app.py", harness.clear_canvas), "bare": ("benchmarks/bare_canvas_app.py", browser.clear_bare)}
    if args.only:
        apps = {args.only: apps[args.only]}
    rows = {name: [] for name in apps}
    with harness.launched_browser() as context:
        context.add_init_script(TRACE)
        for name, (script, clear) in apps.items():
            with harness.served_app(script) as url:
                page = context.new_page()
                page.goto(url)
                page.locator("canvas.upper-canvas").first.wait_for(timeout=90_000)
                harness.wait_for_app(page)
                for case in browser.LATENCY_CASES * args.rounds:
                    rows[name] += profile(page, url.pid, [case], clear, args.verbose)
                page.close()
    print(f"load average {os.getloadavg()[0]:.2f}")
    for name, r in rows.items():
        print(summary(name, r))


if __name__ == "__main__":
    main()
