"""The Layers and Weights pages with a deep model (4 hidden layers × 512): AppTest reruns, p95 in ms.

For benchmarks/run.py (issue 15): layers_page_p95_ms_deep and weights_page_p95_ms_deep, target ≤ 300 ms each.
The Weights page is measured as it opens (layer 1's own tiles) and, the heavier case, with its picker
on the last hidden layer (64 tiles composed back to the pixels, and the 512 × 512 raw kernel).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import measures
from nnviz import data, model

DEEP = (512, 512, 512, 512)


def _last_layer_p95_ms(runs: int) -> dict:
    """measures.page_p95_ms's loop, with the Weights page's layer picker set on the last hidden layer first."""
    from streamlit.testing.v1 import AppTest

    from nnviz.app import digit_choice, session
    from tests.conftest import ROOT

    net = model.to_network(model.build_model(DEEP, seed=1))
    sample = data.load_sample()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[session.NETWORK] = ("4 × 512", net)
    at.switch_page("views/weights.py")
    at.run()
    at.selectbox(key=f"weights_layer_{len(DEEP)}").set_value(len(DEEP) - 1).run()
    times = []
    for i in range(runs):
        at.session_state[session.DIGIT] = digit_choice.CurrentDigit(data.as_float(sample.x_test[i]),
                                                                    f"test digit #{i}")
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    assert at.get("plotly_chart"), "the page drew nothing"
    return {"value": float(np.percentile(times, 95) * 1000), "detail": f"median {np.median(times) * 1000:.0f} ms, "
            f"{runs} digits"}


def layers_page_p95_ms_deep(runs: int = 30) -> dict:
    return measures.page_p95_ms("views/layers.py", width=DEEP, runs=runs)


def weights_page_p95_ms_deep(runs: int = 30) -> dict:
    first = measures.page_p95_ms("views/weights.py", width=DEEP, runs=runs)
    last = _last_layer_p95_ms(runs)
    worst = max(first, last, key=lambda m: m["value"])
    return {"value": worst["value"], "detail": f"layer 1: {first['value']:.0f} ms p95 ({first['detail']}); "
            f"layer {len(DEEP)}: {last['value']:.0f} ms p95 ({last['detail']})"}


def measure_all(quick: bool = False) -> dict:
    runs = 3 if quick else 30
    return {"layers_page_p95_ms_deep": layers_page_p95_ms_deep(runs),
            "weights_page_p95_ms_deep": weights_page_p95_ms_deep(runs)}


if __name__ == "__main__":
    import sys

    for name, result in measure_all("--quick" in sys.argv).items():
        print(f"{name}: {result['value']:.0f} ms ({result['detail']})")
