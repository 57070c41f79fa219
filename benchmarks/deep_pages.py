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


def _rerun_seconds(at, image, source: str) -> float:
    """One AppTest rerun with a new digit (as a drawing gives the page), timed."""
    from nnviz.app import digit_choice, session

    at.session_state[session.DIGIT] = digit_choice.CurrentDigit(image, source)
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception, at.exception
    return elapsed


def _last_layer_p95_ms(runs: int) -> dict:
    """As measures.page_p95_ms, with the Weights page's layer picker first set on the last hidden layer
    (that function takes no session state to set)."""
    from streamlit.testing.v1 import AppTest

    from nnviz.app import session
    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[session.NETWORK] = ("4 × 512", model.to_network(model.build_model(DEEP, seed=1)))
    at.switch_page("views/weights.py")
    at.run()
    at.selectbox(key=f"weights_layer_{len(DEEP)}").set_value(len(DEEP) - 1).run()
    images = data.as_float(data.load_sample().x_test[:runs])
    times = [_rerun_seconds(at, image, f"test digit #{i}") for i, image in enumerate(images)]
    assert at.get("plotly_chart") and "Layer 4" in at.subheader[0].value, "not the last layer's view"
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
