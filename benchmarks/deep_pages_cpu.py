"""CPU time per rerun of the deep Layers, Weights and Teach pages, the same reruns as deep_pages.py and
deep_forward_teach.py measure (4 hidden layers × 512): less sensitive than wall time to other work on a
shared machine. python benchmarks/deep_pages_cpu.py [layers|weights|weights_last|teach ...] [--runs N]
[--profile OUT.prof]

Prints, per case, the median and p95 of wall time and of process CPU time (every thread of this process:
the script thread, NumPy's and TensorFlow's) per rerun, and the load average before and after.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.deep_pages import DEEP  # noqa: E402
from nnviz import data, model  # noqa: E402


def _app(page: str):
    from streamlit.testing.v1 import AppTest

    from nnviz.app import session
    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[session.NETWORK] = ("4 × 512", model.to_network(model.build_model(DEEP, seed=1)))
    at.switch_page(page)
    return at.run()


def _digit_steps(at, runs: int):
    """As measures.page_p95_ms: each rerun with a new test digit."""
    from nnviz.app import digit_choice, session

    images = data.as_float(data.load_sample().x_test[:runs])
    for i, image in enumerate(images):
        at.session_state[session.DIGIT] = digit_choice.CurrentDigit(image, f"test digit #{i}")
        yield at.run


def _nudge_steps(at, runs: int):
    """As deep_forward_teach.teach_nudge_p95_ms_deep: each rerun one click of 'Teach one step'."""
    from nnviz.app import digit_choice, session

    sample = data.load_sample()
    at.session_state[session.DIGIT] = digit_choice.CurrentDigit(data.as_float(sample.x_test[0]), "test digit #0")
    at.run()
    at.segmented_control(key="teach_label").set_value((int(sample.y_test[0]) + 1) % 10).run()
    for _ in range(runs):
        [button] = [b for b in at.button if b.label == "Teach one step"]
        button.click()
        yield at.run


def case(name: str, runs: int, profile: cProfile.Profile | None = None) -> dict:
    if name == "teach":
        at = _app("views/teach.py")
        steps = _nudge_steps(at, runs)
    else:
        at = _app("views/layers.py" if name == "layers" else "views/weights.py")
        if name == "weights_last":
            at.selectbox(key=f"weights_layer_{len(DEEP)}").set_value(len(DEEP) - 1).run()
        steps = _digit_steps(at, runs)
    walls, cpus = [], []
    for step in steps:
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        step()
        if profile:
            profile.disable()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
        assert not at.exception, at.exception
    ms = lambda xs, q: float(np.percentile(xs, q) * 1000)  # noqa: E731
    return {"wall_median": ms(walls, 50), "wall_p95": ms(walls, 95), "cpu_median": ms(cpus, 50),
            "cpu_p95": ms(cpus, 95), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["layers", "weights", "weights_last", "teach"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", help="write a cProfile of the timed reruns here")
    args = parser.parse_args()
    profile = cProfile.Profile() if args.profile else None
    print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in args.cases:
        r = case(name, args.runs, profile)
        print(f"{name:13s} wall median {r['wall_median']:6.0f} ms p95 {r['wall_p95']:6.0f} ms | "
              f"CPU median {r['cpu_median']:6.0f} ms p95 {r['cpu_p95']:6.0f} ms ({r['runs']} reruns)", flush=True)
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if profile:
        profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
