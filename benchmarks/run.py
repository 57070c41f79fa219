"""Measure nnviz against its performance targets: python benchmarks/run.py [--only NAME] [--json PATH] [--quick].

Speeds are ratios measured side by side in one run, and latencies are medians or p95 over repeats,
because these machines are shared and noisy. A benchmark, not a test: it always exits 0 and says
plainly which targets were missed. --quick runs every benchmark on tiny inputs (the test suite's smoke test).
"""

from __future__ import annotations

import argparse
import json
import operator
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import browser, deep_forward_teach, deep_pages, deep_training, measures, training_memory  # noqa: E402
from tests.support import upload_memory  # noqa: E402


@dataclass(frozen=True)
class Target:
    unit: str
    op: str            # "<=" or ">=", or "report" for figures that only get reported
    bound: float = 0.0

    def text(self) -> str:
        return "report" if self.op == "report" else f"{self.op} {self.bound:g}"

    def met(self, value: float) -> bool:
        return True if self.op == "report" else {"<=": operator.le, ">=": operator.ge}[self.op](value, self.bound)


TARGETS = {
    # Issue 16 asks ≥ 4× (with training in a worker); 2.0 was this harness's first, looser target.
    "train_speedup_vs_fit": Target("×", ">=", 4.0),
    "train_speedup_vs_fit_deep": Target("×", ">=", 4.0),
    "snapshots_per_s": Target("1/s", ">=", 2),
    "digit_p95_ms": Target("ms", "<=", 10),
    "layers_page_p95_ms_w512": Target("ms", "<=", 300),
    "weights_page_p95_ms_w512": Target("ms", "<=", 300),
    "layers_page_p95_ms_deep": Target("ms", "<=", 300),
    "weights_page_p95_ms_deep": Target("ms", "<=", 300),
    "walkthrough_page_p95_ms_deep": Target("ms", "<=", 300),
    "teach_nudge_p95_ms_deep": Target("ms", "<=", 300),
    "train_refresh_cpu_ms": Target("ms", "report"),
    "sweep_seconds_longest": Target("s", "<=", 120),
    "live_map_training_slowdown_pct": Target("%", "<=", 10),
    "map_page_rerun_ms": Target("ms", "report"),
    "stroke_latency_ratio_p95": Target("×", "<=", 1.15),
    "cold_start_s": Target("s", "<=", 6),
    "default_model_test_acc": Target("", ">=", 0.96),
    "playground_val_acc_20s": Target("", ">=", 0.95),
    "rss_idle_mb": Target("MB", "<=", 900),
    "rss_training_mb_w512": Target("MB", "report"),
    "training_memory_mb_deep": Target("MB", "report"),
    "predict_p95_ms_under_load": Target("ms", "report"),
    "predict_p95_ratio_classroom": Target("×", "<=", 2.0),
    "rss_mb_classroom_server": Target("MB", "report"),
    "upload_peak_mb_at_cap": Target("MB", "<=", 150),
    "rss_growth_mb_per_training_session": Target("MB", "<=", 1),
}


def benchmarks(quick: bool) -> dict:
    """name (or group of names) → function returning {value, detail} (or {name: {value, detail}})."""
    q = quick
    return {
        "train_speedup_vs_fit": lambda: measures.training_speed(rounds=1 if q else 3, seconds=1.5 if q else 4.0,
                                                                fit_epochs=1 if q else 2),
        "train_speedup_vs_fit_deep": lambda: deep_training.train_speedup_vs_fit_deep(
            rounds=1 if q else 3, seconds=1.5 if q else 4.0, fit_epochs=1 if q else 2),
        "training_memory_mb_deep": lambda: deep_training.training_memory_mb_deep(seconds=1.0 if q else 6.0),
        "digit_p95_ms": lambda: measures.digit_p95_ms(digits=20 if q else 240),
        "layers_page_p95_ms_w512": lambda: measures.page_p95_ms("views/layers.py", runs=3 if q else 30),
        "weights_page_p95_ms_w512": lambda: measures.page_p95_ms("views/weights.py", runs=3 if q else 30),
        "layers_page_p95_ms_deep": lambda: deep_pages.layers_page_p95_ms_deep(runs=3 if q else 30),
        "weights_page_p95_ms_deep": lambda: deep_pages.weights_page_p95_ms_deep(runs=3 if q else 30),
        "walkthrough_page_p95_ms_deep": lambda: deep_forward_teach.walkthrough_page_p95_ms_deep(runs=3 if q else 30),
        "teach_nudge_p95_ms_deep": lambda: deep_forward_teach.teach_nudge_p95_ms_deep(runs=3 if q else 20),
        "train_refresh_cpu_ms": lambda: _refresh(q),
        "sweep_seconds_longest": lambda: _sweeps(q),
        "live_map_training_slowdown_pct": lambda: _live_map(q),
        "map_page_rerun_ms": lambda: _map_page(q),
        "default_model_test_acc": measures.default_model_test_acc,
        "playground_val_acc_20s": lambda: measures.playground_val_acc_20s(seconds=3 if q else 20),
        "stroke_latency_ratio_p95": lambda: browser.stroke_latency_ratio_p95(rounds=1 if q else 2,
                                                                             cases=2 if q else None),
        "cold_start_s": lambda: browser.cold_start_s(runs=1 if q else 3),
        "rss_idle_mb": browser.rss_idle_mb,
        "rss_training_mb_w512": lambda: browser.rss_training_mb_w512(seconds=1.0 if q else 6.0),
        "predict_p95_ms_under_load": lambda: _load(q),
        "predict_p95_ratio_classroom": lambda: _classroom(q),
        "upload_peak_mb_at_cap": lambda: upload_memory.upload_peak_mb_at_cap(quick=q),
        "rss_growth_mb_per_training_session": lambda: training_memory.rss_growth_mb_per_training_session(
            count=3 if q else 60),
    }


def _load(quick: bool) -> dict:
    from benchmarks import load

    return load.predict_latency_under_load(**({"sessions": 2, "trainers": 1} if quick else {}))


def _refresh(quick: bool) -> dict:
    """The Train page's costliest live fragment: server CPU per rerun while its run trains."""
    from benchmarks import live_refresh

    fragments = live_refresh.refresh_cpu_ms(seconds=3.0 if quick else 20.0)
    worst = max(fragments.values(), key=lambda f: f["value"])
    detail = "; ".join(f"{f['value']:.1f} ms, {f['detail']}" for f in fragments.values())
    return {"value": worst["value"], "detail": detail}


def _sweeps(quick: bool) -> dict:
    """Every sweep of the Sweeps page, one after another on the bundled sample: the longest one's time."""
    from benchmarks import sweeps

    timed = sweeps.sweep_seconds(("dropout",) if quick else tuple(sweeps.sweep.SWEEPS))
    longest = max(timed, key=lambda k: timed[k]["seconds"])
    return {"value": timed[longest]["seconds"],
            "detail": ", ".join(f"{k} {t['seconds']:.0f} s ({len(t['runs'])} runs)" for k, t in timed.items())}


def _live_map(quick: bool) -> dict:
    """Training's samples/s with the Train page's live map refreshing every second, against without."""
    from benchmarks import live_map

    m = live_map.live_map_slowdown(**({"rounds": 1, "seconds": 2.0} if quick else {"rounds": 5, "seconds": 8.0}))
    return {"value": m["slowdown_percent"], "detail": f"{m['samples_per_s_with_map']:,} vs "
            f"{m['samples_per_s_without_map']:,} samples/s; a map frame {m['map_frame_ms_median']} ms (median)"}


def _map_page(quick: bool) -> dict:
    """The Map page with a 3-layer model: a cached rerun (the value), its first run and a new layer."""
    from benchmarks import live_map

    m = live_map.map_page_rerun_ms(reruns=2 if quick else 5)
    return {"value": m["rerun_ms_median"], "detail": f"first run {m['first_run_ms']} ms, a new layer "
            f"{m['new_layer_ms']} ms"}


def _classroom(quick: bool) -> dict:
    from benchmarks import load

    return load.classroom(**({"sessions": 3, "trainers": 1, "repeats": 2, "think": 0.5} if quick else {}))


# Figures measured by another benchmark's run.
GROUPS = {"snapshots_per_s": "train_speedup_vs_fit", "rss_mb_classroom_server": "predict_p95_ratio_classroom"}


def run(only: str | None, quick: bool) -> dict:
    table = benchmarks(quick)
    wanted = [GROUPS.get(only, only)] if only else list(table)
    results = {}
    for name in wanted:
        start = time.perf_counter()
        try:
            out = table[name]()
        except Exception as exc:  # a broken benchmark is reported, and the others still run
            traceback.print_exc()
            out = {"value": float("nan"), "detail": f"failed: {type(exc).__name__}: {exc}"}
        parts = out if "value" not in out else {name: out}
        for key, figure in parts.items():
            if only and key != only:
                continue
            target = TARGETS[key]
            value = float(figure["value"])
            results[key] = {"value": value, "unit": target.unit, "target": target.text(),
                            "pass": value == value and target.met(value), "detail": figure.get("detail", ""),
                            "seconds": round(time.perf_counter() - start, 1)}
        print(f"  measured {name} in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return results


def table_text(results: dict) -> str:
    lines = [f"{'benchmark':<28} {'value':>10} {'unit':<4} {'target':<9} {'result':<6} detail"]
    for name, r in results.items():
        verdict = "pass" if r["pass"] else "MISS"
        lines.append(f"{name:<28} {r['value']:>10.3f} {r['unit']:<4} {r['target']:<9} {verdict:<6} {r['detail']}")
    missed = [n for n, r in results.items() if not r["pass"]]
    lines.append(f"{len(results) - len(missed)} of {len(results)} targets met" +
                 (f"; missed: {', '.join(missed)}" if missed else ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(TARGETS), help="run one benchmark")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--quick", action="store_true", help="tiny inputs: checks that each benchmark runs")
    args = parser.parse_args()
    results = run(args.only, args.quick)
    print(table_text(results))
    if args.json:
        args.json.write_text(json.dumps({k: {f: v[f] for f in ("value", "unit", "target", "pass")}
                                         for k, v in results.items()}, indent=2))


if __name__ == "__main__":
    main()
