"""The Forward pass and Teach pages with a deep model (4 hidden layers × 512): AppTest reruns, p95 in ms.

For benchmarks/run.py (issue 15): walkthrough_page_p95_ms_deep (a new digit, with the neuron picked in the
first hidden layer and in the last) and teach_nudge_p95_ms_deep (one 'Teach one step' click: the gradient,
the update, every layer's gradient size and the change pictures). No target is set for either yet.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks import measures
from nnviz import data, model

DEEP = (512, 512, 512, 512)


def _deep_page(page: str):
    from streamlit.testing.v1 import AppTest

    from nnviz.app import session
    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[session.NETWORK] = ("4 × 512", model.to_network(model.build_model(DEEP, seed=1)))
    at.switch_page(page)
    return at.run()


def _timed(at) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception, at.exception
    return elapsed


def _p95(times: list[float], what: str) -> dict:
    return {"value": float(np.percentile(times, 95) * 1000),
            "detail": f"median {np.median(times) * 1000:.0f} ms, {len(times)} {what}"}


def walkthrough_page_p95_ms_deep(runs: int = 30) -> dict:
    """A new digit's rerun, worse of the first hidden layer's neuron (28×28 tiles) and the last's (bars of 512)."""
    from nnviz.app import digit_choice, session

    first = measures.page_p95_ms("views/walkthrough.py", width=DEEP, runs=runs)
    at = _deep_page("views/walkthrough.py")
    at.selectbox(key="walk_layer").set_value(len(DEEP) - 1).run()
    images = data.as_float(data.load_sample().x_test[:runs])
    times = []
    for i, image in enumerate(images):
        at.session_state[session.DIGIT] = digit_choice.CurrentDigit(image, f"test digit #{i}")
        times.append(_timed(at))
    last = _p95(times, "digits")
    worst = max(first, last, key=lambda m: m["value"])
    return {"value": worst["value"], "detail": f"layer 1: {first['value']:.0f} ms p95 ({first['detail']}); "
            f"layer 4: {last['value']:.0f} ms p95 ({last['detail']})"}


def teach_nudge_p95_ms_deep(runs: int = 20) -> dict:
    """One click of 'Teach one step' on a test digit with a wrong label (so every nudge has a real gradient)."""
    from nnviz.app import digit_choice, session

    sample = data.load_sample()
    at = _deep_page("views/teach.py")
    at.session_state[session.DIGIT] = digit_choice.CurrentDigit(data.as_float(sample.x_test[0]), "test digit #0")
    at.run()
    at.segmented_control(key="teach_label").set_value((int(sample.y_test[0]) + 1) % 10).run()
    times = []
    for _ in range(runs):
        [button] = [b for b in at.button if b.label == "Teach one step"]
        button.click()
        times.append(_timed(at))
    assert len(at.get("plotly_chart")) == 6, "not the deep page's pictures"
    return _p95(times, "nudges")
