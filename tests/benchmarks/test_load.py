"""Load and isolation: 20 sessions draw and predict while 3 train, on one real server.

Every session is a real Streamlit session of a served app, driven over its websocket by
benchmarks.load.Session (Streamlit's own protocol, as a browser tab speaks it): its own session id,
session state and training lease, and its end is a real disconnect.
"""

from __future__ import annotations

import re
import tempfile

import numpy as np
import pytest

from benchmarks import load, training_memory
from tests.support import harness

CAP = 2                       # NNVIZ_MAX_TRAINERS of the shared server
WIDTHS = (16, 24, 40)         # one per training session, so each one's model can be told apart
DRAWERS, ROUNDS, THINK = 20, 3, 0.3
CYCLES = 60
# Measured per open/train/close cycle (2 shared cores): see benchmarks/training_memory.py and the
# README's figures. Training runs in worker processes, so TensorFlow (and its traced functions, which
# outlive their model: tensorflow/tensorflow#62854) never loads in the server for training, and a
# worker's memory goes back to the system when it exits. Before that, a cycle cost 1.4 MB over 10
# cycles and 8.7 MB per session over 80 (issue 13). What is left per session is Streamlit's and the
# trainer's bookkeeping; the bound would catch a session or trainer that kept its run, its last
# snapshot's weights for long, or a copy of the training data (6.3 MB for the sample).
MB_PER_CYCLE = 1


def tiny(width: int) -> str:
    """Train-page URL settings for a quick run that trains until stopped."""
    return f"width={width}&train_size=300&batch_size=16&epochs=0&seed={width}"


@pytest.fixture(scope="module")
def server():
    with harness.served_app(env={**load.SERVER_ENV, "NNVIZ_MAX_TRAINERS": str(CAP)}) as url:
        yield url


@pytest.fixture(scope="module")
def pretrained():
    from nnviz import model

    return model.to_network(model.load_default_model())


def test_twenty_drawing_sessions_stay_isolated_while_three_train_under_the_cap(server, pretrained):
    trainees = load.start_trainees(server, [tiny(w) for w in WIDTHS])
    try:
        # First come, first served: the first two train, the third waits in line with nothing trained.
        assert [t.status[0] for t in trainees] == ["training", "training", "queued"]
        steps = [t.status[1] for t in trainees]
        for trainee in trainees:
            trainee.start_refreshing()  # the live charts refresh as in a browser, adding their load
        drawers = load.run_drawers(server, pretrained, DRAWERS, ROUNDS, THINK)
        for trainee in trainees:
            trainee.stop_refreshing()
        assert [t.error for t in trainees] == ["", "", ""]

        # All drawing sessions completed every drawing, and each saw exactly its own digit, classified
        # by the pretrained model: the Prediction and all ten probabilities its page sent equal the
        # forward pass of its own drawing, and its sidebar names the default model.
        assert [d.error for d in drawers if not d.complete] == []
        assert [len(d.answers) for d in drawers] == [ROUNDS] * DRAWERS
        assert [p for d in drawers for p in d.problems()] == []
        expected = {tuple(a["expected_probs"]) for d in drawers for a in d.answers}
        assert len(expected) == DRAWERS * ROUNDS  # no two drawings alike: a leaked digit would show

        # The cap held throughout: never more than CAP runs trained, the third stayed queued untrained
        # while the other two kept training.
        assert load.most_training_at_once(trainees) == CAP
        queued = trainees[2]
        assert {(status, step) for _, status, step in queued.timeline} == {("queued", 0)}
        assert [t.status[1] > step for t, step in zip(trainees, steps)] == [True, True, False]

        # Each training session's pages use its own run, and only that.
        for i, (trainee, width) in enumerate(zip(trainees, WIDTHS)):
            tab = trainee.tab
            tab.run()
            # Its own run, told by its width (runs are numbered after the user's saved ones, so not always "Run 1").
            assert re.fullmatch(rf"Run \d+ you trained \(width {width}, training live\).*", tab.model_label())
            tab.goto("")
            tab.draw(load.drawing(DRAWERS + i, 0))  # the Draw page answers once there is a digit
            assert not tab.exceptions()
            assert any(re.search(rf"classified by the Run \d+ you trained \(width {width},", c) for c in tab.captions())
            tab.goto("train")

        # A session that ends frees its slot: the queued run starts, and the cap still holds.
        trainees[0].tab.close()
        queued.wait_until(lambda status, step: status == "training" and step > 0, 60)
        trainees[1].wait_until(lambda status, step: status == "training")
        assert load.most_training_at_once(trainees[1:]) == CAP
    finally:
        for trainee in trainees:
            trainee.tab.close()


def test_trainers_end_with_their_sessions_and_sixty_cycles_leave_no_workers_threads_or_memory_behind():
    """Each cycle: a session opens the Train page, presses Train on a tiny run, and disconnects as soon as
    the page says it trains; its worker then compiles, stops and saves the run, and ends. (Waiting for a
    trained step as well costs about a second more per cycle, and much more on a busy machine, where
    workers yield to other work; benchmarks/training_memory.py measures that full cycle.) With a cap
    of one run, a trainer that outlived its session would keep the next cycle's run queued."""
    with tempfile.TemporaryDirectory(prefix="nnviz-load-runs-") as runs, \
            harness.served_app(env={**load.SERVER_ENV, "NNVIZ_MAX_TRAINERS": "1", "NNVIZ_RUNS_DIR": runs,
                                    "NNVIZ_WORKER_NICENESS": "0"}) as url:
        # Niceness 0: these cores are shared with unrelated work, to which a niced worker would yield.
        result = training_memory.cycles(url, CYCLES, trained=False)
    seen = result["cycles"]
    assert [c["status"] for c in seen] == ["training"] * CYCLES  # the previous session's slot was freed
    assert [len(c["workers"]) for c in seen] == [1] * CYCLES     # one worker process trained each run…
    assert [c["left"] for c in seen] == [[]] * CYCLES            # …and ended with its session
    assert all(c["threads"] > result["threads_before"] for c in seen)  # its reader thread ran…
    assert all(c["threads_after"] <= result["threads_before"] for c in seen)  # …and ended too
    assert result["workers_after"] == set() and result["helpers_after"] == result["helpers"]  # no orphans
    assert result["threads_after"] <= result["threads_before"]
    rss, rss_after = result["rss_before"], result["rss_after"]
    assert rss_after - rss < MB_PER_CYCLE * CYCLES, f"{rss:.0f} MB → {rss_after:.0f} MB over {CYCLES} cycles"


def test_predict_latency_under_load_runs_on_tiny_inputs(server):
    result = load.predict_latency_under_load(sessions=2, trainers=1, repeats=2, think=0.1, url=server)
    assert set(result) == {"value", "detail"}
    assert np.isfinite(result["value"]) and result["value"] > 0
    assert "single-session p95" in result["detail"] and "4 predicts by 2 sessions" in result["detail"]


def test_the_classroom_benchmark_runs_on_tiny_inputs_and_finds_the_training_worker(server):
    result = load.classroom(sessions=2, trainers=1, repeats=2, think=0.1, url=server)
    ratio, rss = result["predict_p95_ratio_classroom"], result["rss_mb_classroom_server"]
    assert np.isfinite(ratio["value"]) and ratio["value"] > 0 and "4 predicts" in ratio["detail"]
    assert rss["value"] > 50 and " MB each" in rss["detail"]  # the worker training while sessions drew
