"""In-process benchmarks: training speed, snapshots, accuracy, per-digit and per-page compute."""

from __future__ import annotations

import io
import math
import statistics
import time

import numpy as np

from nnviz import data, model, network, preprocess, training
from nnviz.app import runtime
from nnviz.settings import Settings
from tests.support import strokes

# TensorFlow's threading as the served app sets it, before its first op runs, so that plain model.fit
# below is measured with the same threading as the trainer's workers.
runtime.environment_variables()


def _canvas_pngs() -> list[bytes]:
    from PIL import Image

    pngs = []
    for digit, style in strokes.all_cases():
        buffer = io.BytesIO()
        Image.fromarray(strokes.rasterise(strokes.strokes(digit, style))).save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    return pngs


def digit_p95_ms(digits: int = 240) -> dict:
    """Canvas PNG → decode → MNIST preprocessing → forward pass with every layer's activations."""
    from PIL import Image

    net = model.to_network(model.load_default_model())
    pngs, times = _canvas_pngs(), []
    for i in range(digits):
        start = time.perf_counter()
        pixels = np.asarray(Image.open(io.BytesIO(pngs[i % len(pngs)])))
        network.forward(net, preprocess.from_canvas(pixels).image)
        times.append(time.perf_counter() - start)
    return {"value": float(np.percentile(times, 95) * 1000), "detail": f"median {np.median(times) * 1000:.2f} ms "
            f"over {digits} digits"}


def default_model_test_acc() -> dict:
    sample = data.load_sample()
    net = model.to_network(model.load_default_model())
    accuracy = (network.predict_proba(net, data.as_float(sample.x_test)).argmax(1) == sample.y_test).mean()
    return {"value": float(accuracy), "detail": f"{len(sample.y_test):,} test digits of the bundled sample"}


def _fit_rate(x, y, epochs: int) -> float:
    net = model.build_model(128, 0.2, seed=0)
    net.fit(x[:2048], y[:2048], batch_size=32, epochs=1, verbose=0)  # compile outside the timing
    start = time.perf_counter()
    net.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
    return epochs * len(y) / (time.perf_counter() - start)


def _trainer_run(seconds: float, settings: Settings) -> tuple[float, float, training.Snapshot]:
    """Train for `seconds`; return (samples/s, snapshots/s, last snapshot), compilation excluded."""
    trainer = training.Trainer(data.load_sample(), settings, training.Pool(limit=1))
    try:
        trainer.play()
        trainer.wait_for(lambda s: s.step > 0, 120)
        first = trainer.snapshot
        t0 = time.monotonic()
        time.sleep(seconds)
        last = trainer.snapshot
        published = [t for t in trainer.published_times if t >= t0]
        rate = (last.samples_seen - first.samples_seen) / max(last.seconds - first.seconds, 1e-9)
        return rate, len(published) / (time.monotonic() - t0), last
    finally:
        trainer.close()


def training_speed(rounds: int = 3, seconds: float = 4.0, fit_epochs: int = 2) -> dict:
    """Trainer vs plain model.fit(batch_size=32), same model and data, interleaved round by round."""
    sample = data.load_sample()
    x, y = data.as_float(sample.x_train), sample.y_train.astype(np.int64)
    settings = Settings(width=128, dropout=0.2, epochs=0)  # epochs=0: until stopped
    fits, trains, snaps = [], [], []
    for _ in range(rounds):
        fits.append(_fit_rate(x, y, fit_epochs))
        rate, snapshot_rate, _ = _trainer_run(seconds, settings)
        trains.append(rate)
        snaps.append(snapshot_rate)
    fit, train = statistics.median(fits), statistics.median(trains)
    return {
        "train_speedup_vs_fit": {"value": train / fit, "detail": f"trainer {train:,.0f} vs fit {fit:,.0f} "
                                 f"samples/s (medians of {rounds})"},
        "snapshots_per_s": {"value": statistics.median(snaps), "detail": f"while training, {rounds} runs"},
    }


def playground_val_acc_20s(seconds: float = 20.0) -> dict:
    """Default Train-page settings on the bundled sample: validation accuracy after `seconds` of training."""
    trainer = training.Trainer(data.load_sample(), Settings(), training.Pool(limit=1))
    try:
        start = time.monotonic()
        trainer.play()
        try:
            snap = trainer.wait_for(lambda s: s.ended, seconds)
        except TimeoutError:  # still training when time is up: take the state at that moment
            snap = trainer.snapshot
        waited = min(time.monotonic() - start, seconds)
        if not len(snap.history.val_accuracy):
            # A loaded machine can spend a short budget starting the worker and compiling: then the
            # figure is the first validation, and the detail says when it came.
            snap = trainer.wait_for(lambda s: s.ended or len(s.history.val_accuracy) > 0, 120)
            waited = time.monotonic() - start
        h = snap.history
        full = h.epoch_val_accuracy
        value = float(full[-1]) if len(full) else float(h.val_accuracy[-1]) if len(h.val_accuracy) else math.nan
        return {"value": value, "detail": f"{snap.status} after {waited:.1f} s, epoch {snap.epoch:.1f}, "
                f"{'full validation split' if len(full) else 'validation subset'}"}
    finally:
        trainer.close()


def page_p95_ms(page: str, width: int = 512, runs: int = 30) -> dict:
    """One AppTest rerun of a page (app.py + page: data, figures, elements) with a width-`width` model."""
    from streamlit.testing.v1 import AppTest

    from nnviz.app import digit_choice, session
    from tests.conftest import ROOT

    net = model.to_network(model.build_model(width, seed=1))
    sample = data.load_sample()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[session.NETWORK] = (f"width {width}", net)
    at.switch_page(page)
    at.run()
    times = []
    for i in range(runs):
        at.session_state[session.DIGIT] = digit_choice.CurrentDigit(data.as_float(sample.x_test[i]),
                                                                    f"test digit #{i}")
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return {"value": float(np.percentile(times, 95) * 1000), "detail": f"median {np.median(times) * 1000:.0f} ms, "
            f"{runs} digits"}
