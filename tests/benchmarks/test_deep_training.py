"""Smoke test of the deep-training benchmarks: they run on tiny inputs and report their figures."""

import math

from benchmarks import deep_training


def test_the_deep_training_benchmarks_run_and_report_a_figure_each():
    results = deep_training.measure_all(quick=True)
    assert list(results) == ["train_speedup_vs_fit_deep", "training_memory_mb_deep"]
    for figure in results.values():
        assert math.isfinite(figure["value"]) and figure["value"] > 0 and figure["detail"], figure
    assert "128-64-32" in results["train_speedup_vs_fit_deep"]["detail"]
    assert "512-512-512-512 worker" in results["training_memory_mb_deep"]["detail"]
