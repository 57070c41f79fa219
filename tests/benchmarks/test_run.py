"""Smoke test of the benchmark harness: each in-process benchmark runs on tiny inputs and reports a figure.

Only that it runs and reports: the figures themselves are the benchmark's business, not a test's.
The browser benchmarks share their code with tests/e2e, which exercise it fully.
"""

import json
import math

import pytest

from benchmarks import run

IN_PROCESS = ["digit_p95_ms", "default_model_test_acc", "train_speedup_vs_fit", "snapshots_per_s",
              "playground_val_acc_20s", "layers_page_p95_ms_w512", "weights_page_p95_ms_w512",
              "upload_peak_mb_at_cap", "train_speedup_vs_fit_deep", "layers_page_p95_ms_deep",
              "weights_page_p95_ms_deep", "walkthrough_page_p95_ms_deep", "teach_nudge_p95_ms_deep"]


@pytest.mark.parametrize("name", IN_PROCESS)
def test_benchmark_runs_on_tiny_inputs_and_reports_a_figure(name):
    results = run.run(name, quick=True)
    assert list(results) == [name]
    figure = results[name]
    assert math.isfinite(figure["value"]) and figure["value"] > 0, figure
    assert figure["target"] == run.TARGETS[name].text() and isinstance(figure["pass"], bool)


def test_every_target_of_the_issue_has_a_benchmark():
    names = set(run.benchmarks(quick=True)) | set(run.GROUPS)
    assert names == set(run.TARGETS)


def test_table_says_plainly_when_a_target_is_missed(tmp_path):
    results = {"digit_p95_ms": {"value": 12.0, "unit": "ms", "target": "<= 10", "pass": False, "detail": ""},
               "cold_start_s": {"value": 3.0, "unit": "s", "target": "<= 6", "pass": True, "detail": ""}}
    text = run.table_text(results)
    assert "MISS" in text and "missed: digit_p95_ms" in text and "1 of 2 targets met" in text
    assert run.TARGETS["digit_p95_ms"].met(9.9) and not run.TARGETS["digit_p95_ms"].met(10.1)
    assert json.loads(json.dumps(results))  # the --json shape is plain JSON
