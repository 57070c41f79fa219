"""Training deeper networks (issue 15): the trainer against plain model.fit at 128-64-32, and a worker's memory
while it trains 4 hidden layers × 512.

For benchmarks/run.py: train_speedup_vs_fit_deep (target ≥ 4, issue 15) and
training_memory_mb_deep (reported, no target). Measured as measures.training_speed does: the same model
(Flatten → Dense/Dropout per layer → Dense(10), dropout 0.2, Adam), the same bundled sample, rounds interleaved.
The trainer's worker runs at its usual lower priority (NNVIZ_WORKER_NICENESS), as in train_speedup_vs_fit: on a
machine busy with other work the ratio falls (set NNVIZ_WORKER_NICENESS=0 to compare at equal priority).
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from benchmarks import measures, training_memory
from nnviz import data, model, training
from nnviz.settings import Settings

DEEPER = (128, 64, 32)      # the "deeper, not wider" preset
WIDEST = (512, 512, 512, 512)


def _fit_rate(x, y, epochs: int, widths: tuple[int, ...]) -> float:
    """Plain Keras: model.fit(batch_size=32) samples per second, compilation outside the timing."""
    net = model.build_model(widths, 0.2, seed=0)
    net.fit(x[:2048], y[:2048], batch_size=32, epochs=1, verbose=0)
    start = time.perf_counter()
    net.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
    return epochs * len(y) / (time.perf_counter() - start)


def train_speedup_vs_fit_deep(rounds: int = 3, seconds: float = 4.0, fit_epochs: int = 2,
                              widths: tuple[int, ...] = DEEPER) -> dict:
    """Trainer vs plain model.fit(batch_size=32) at three hidden layers, interleaved round by round."""
    sample = data.load_sample()
    x, y = data.as_float(sample.x_train), sample.y_train.astype(np.int64)
    settings = Settings(dropout=0.2, epochs=0).replace(widths=widths)  # batch 32; epochs=0: until stopped
    fits, trains = [], []
    for _ in range(rounds):
        fits.append(_fit_rate(x, y, fit_epochs, widths))
        trains.append(measures._trainer_run(seconds, settings)[0])
    fit, train = statistics.median(fits), statistics.median(trains)
    return {"value": train / fit, "detail": f"{'-'.join(map(str, widths))}: trainer {train:,.0f} vs fit {fit:,.0f} "
            f"samples/s (medians of {rounds}; per round fit {', '.join(f'{f:,.0f}' for f in fits)}, "
            f"trainer {', '.join(f'{t:,.0f}' for t in trains)})"}


def _status_mb(pid: int) -> dict[str, float]:
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


def training_memory_mb_deep(seconds: float = 6.0, widths: tuple[int, ...] = WIDEST) -> dict:
    """A training worker's memory while it trains 4 × 512 on the bundled sample: its peak resident MB (the
    value), and its resident and private MB (private excludes pages shared with the forkserver) at the end."""
    trainer = training.Trainer(data.load_sample(), Settings(epochs=0).replace(widths=widths),
                               training.Pool(limit=1))
    try:
        trainer.play()
        trainer.wait_for(lambda s: s.step > 0, 120)
        time.sleep(seconds)  # a benchmark, not a test: it trains for a while before memory is read
        [pid] = training_memory.workers(os.getpid())
        peak = _status_mb(pid)["VmHWM"]
        rss, private = training_memory.private_mb(pid)
        snap = trainer.snapshot
    finally:
        trainer.close()
    return {"value": peak, "detail": f"{'-'.join(map(str, widths))} worker: peak {peak:.0f} MB resident, "
            f"{rss:.0f} MB resident and {private:.0f} MB private after {snap.step:,} steps "
            f"({snap.samples_per_s:,.0f} samples/s)"}


def measure_all(quick: bool = False) -> dict:
    """Both figures; quick: one round of one second (a smoke run)."""
    speed = train_speedup_vs_fit_deep(**({"rounds": 1, "seconds": 1.0, "fit_epochs": 1} if quick else {}))
    memory = training_memory_mb_deep(**({"seconds": 1.0} if quick else {}))
    return {"train_speedup_vs_fit_deep": speed, "training_memory_mb_deep": memory}


if __name__ == "__main__":
    for name, figure in measure_all().items():
        print(f"{name}: {figure['value']:.2f}  {figure['detail']}")
