"""Sweeps (issue 17): how long each whole sweep takes on the bundled sample, driven as the sweeps page
drives it (nnviz.sweep's state machine ordering runs on one Trainer, each run saved to a RunStore).

For benchmarks/run.py: sweep_seconds (target: each sweep ≤ 120 s on a 2-core machine, issue 17).
The figure is wall time from Run to the last run's end, including building, compiling, testing and
saving every run; on a machine shared with other work it rises.
"""

from __future__ import annotations

import sys
import tempfile
import time

from nnviz import data, sweep
from nnviz.run_record import SweepTag
from nnviz.run_store import RunStore
from nnviz.training.trainer import Trainer

TARGET_SECONDS = 120.0


def run_sweep(spec: sweep.SweepSpec, trainer: Trainer, dataset: data.Dataset, store: RunStore,
              timeout: float = 600.0) -> sweep.Sweep:
    """One whole sweep, carried out as the page's glue does (without Streamlit)."""
    state, order = sweep.new_sweep(spec).handle(sweep.Event.START, time.monotonic())
    while order.do == sweep.Do.START_RUN:
        trainer.reset(state.run_settings(), dataset)
        trainer.play()
        state = state.running(trainer.snapshot.run_id)
        run_id = state.current
        trainer.wait_for(lambda s, run_id=run_id: s.ended and s.run_id == run_id, timeout)
        record = next(r for r in trainer.records if r.run_id == state.current)
        value = getattr(record.settings, spec.key)
        store.tag_sweep(record.run_id, SweepTag(state.sweep_id, spec.key, value, state.index, state.total))
        now = time.monotonic()
        result = sweep.result_of(value, record.final(), now - state.run_started, record.run_id, record.status)
        state, order = state.handle(sweep.Event.ENDED, now, result)
    return state


def sweep_seconds(keys: tuple[str, ...] = tuple(sweep.SWEEPS)) -> dict:
    """Each sweep's wall time (s) and its points, with one trainer and a throwaway runs folder."""
    dataset = data.load_sample()
    results = {}
    with tempfile.TemporaryDirectory(prefix="nnviz-bench-sweeps-") as folder:
        first = sweep.SWEEPS[keys[0]]
        trainer = Trainer(dataset, first.settings(first.values[0]), store=RunStore(folder))
        trainer.wait_for(lambda s: s.status != "starting", 120)  # the forkserver's first start is not a sweep's
        try:
            for key in keys:
                start = time.monotonic()
                done = run_sweep(sweep.SWEEPS[key], trainer, dataset, RunStore(folder))
                seconds = time.monotonic() - start
                results[key] = {"seconds": round(seconds, 1), "target": TARGET_SECONDS,
                                "runs": [(r.value, round(r.seconds, 1), round(r.train_accuracy, 3),
                                          round(r.val_accuracy, 3), round(r.test_accuracy, 3)) for r in done.results]}
                print(key, results[key], flush=True)
        finally:
            trainer.close()
    return results


if __name__ == "__main__":
    sweep_seconds(tuple(sys.argv[1:]) or tuple(sweep.SWEEPS))
