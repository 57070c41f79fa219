"""The hidden-layer map's costs: how much the Train page's live map slows training (samples/s with and without a
map made from the latest snapshot every second, as nnviz.app.live_map does, rounds interleaved so the machine's
load hits both), and the Map page's server time per rerun at depth 3."""

from __future__ import annotations

import statistics
import threading
import time

import pyarrow as pa

from nnviz import data, projection, training
from nnviz.app import runtime
from nnviz.figures import projection as figures
from nnviz.settings import Settings

runtime.environment_variables()  # TensorFlow's threading as the served app sets it


def _map_every_second(trainer: training.Trainer, stop: threading.Event, costs: list[float]) -> None:
    """The live map's server work each second: PCA of the latest weights, alignment, star, Arrow data."""
    images, labels = projection.map_digits(data.load_sample())
    frame = None
    while not stop.wait(1.0):
        snap = trainer.snapshot
        if snap.network is None:
            continue
        t = time.perf_counter()
        frame = projection.advance(frame, snap.run_id, snap.step, snap.network, images, labels,
                                   snap.network.depth, time.monotonic())
        table = figures.live_data(frame.map, projection.place(frame.net, images[0], frame.map))
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        costs.append(time.perf_counter() - t)


def _rate(seconds: float, settings: Settings, with_map: bool) -> tuple[float, list[float]]:
    trainer = training.Trainer(data.load_sample(), settings, training.Pool(limit=1))
    stop, costs = threading.Event(), []
    try:
        trainer.play()
        trainer.wait_for(lambda s: s.step > 0, 120)
        mapper = threading.Thread(target=_map_every_second, args=(trainer, stop, costs), daemon=True)
        if with_map:
            mapper.start()
        first = trainer.snapshot
        time.sleep(seconds)
        last = trainer.snapshot
        return (last.samples_seen - first.samples_seen) / max(last.seconds - first.seconds, 1e-9), costs
    finally:
        stop.set()
        trainer.close()


def live_map_slowdown(rounds: int = 3, seconds: float = 10.0, widths: tuple[int, ...] = (128,)) -> dict:
    """Median samples/s without and with the live map, the slowdown in percent, and the map's cost per frame."""
    settings = Settings(epochs=0).replace(widths=widths)
    without, with_, costs = [], [], []
    for _ in range(rounds):
        without.append(_rate(seconds, settings, False)[0])
        rate, cost = _rate(seconds, settings, True)
        with_.append(rate)
        costs += cost
    plain, mapped = statistics.median(without), statistics.median(with_)
    return {"samples_per_s_without_map": round(plain), "samples_per_s_with_map": round(mapped),
            "slowdown_percent": round(100 * (1 - mapped / plain), 1),
            "map_frame_ms_median": round(1000 * statistics.median(costs), 1) if costs else None,
            "rounds_without": [round(r) for r in without], "rounds_with": [round(r) for r in with_]}


def map_page_rerun_ms(reruns: int = 5) -> dict:
    """The Map page under AppTest with a 256-128-64 model: its first run (the pixels' map and 2,000 hover images),
    a new layer's map, and the median of plain reruns (cached maps) in ms."""
    from streamlit.testing.v1 import AppTest

    from nnviz.app import session
    from tests.conftest import ROOT
    from tests.support import deep

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state[session.NETWORK] = ("benchmark depth 3", deep.random_deep_net((256, 128, 64), seed=2))
    at.switch_page("views/map.py")

    def ms(action) -> float:
        t = time.perf_counter()
        action()
        return round(1000 * (time.perf_counter() - t), 1)

    first = ms(at.run)
    new_layer = ms(lambda: at.get("segmented_control")[0].set_value(1).run())
    plain = statistics.median(ms(at.run) for _ in range(reruns))
    return {"first_run_ms": first, "new_layer_ms": new_layer, "rerun_ms_median": plain}


if __name__ == "__main__":
    import sys

    widths = tuple(int(w) for w in sys.argv[1].split(",")) if len(sys.argv) > 1 else (128,)
    print(live_map_slowdown(widths=widths))
