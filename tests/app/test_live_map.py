"""The Train page's live map on its own, in a real script run: each new snapshot's map, aligned to the frame
before and never flipped, the star where those weights put the digit, at depth 1 and 3."""

import json

import numpy as np
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from nnviz import network, projection
from nnviz.app import live_map, map_page, session
from nnviz.settings import Settings
from nnviz.training.snapshot import Snapshot
from nnviz.training.status import Status
from tests.conftest import ROOT
from tests.support import deep


def snapshot(net, step: int, run_id: str = "run-a") -> Snapshot:
    return Snapshot(step, run_id, "Run 1", Settings(), "MNIST sample", Status.TRAINING, network=net, step=step)


def shown(at) -> tuple[dict, np.ndarray, np.ndarray]:
    """The live chart's spec, its digits' coordinates and the star's."""
    (chart,) = at.get("vega_lite_chart")
    rows = pa.ipc.open_stream(chart.proto.data.data).read_all().to_pandas()
    return (json.loads(chart.proto.spec), rows.loc[~rows["star"], ["x", "y"]].to_numpy(),
            rows.loc[rows["star"], ["x", "y"]].to_numpy()[0])


@pytest.mark.parametrize("widths", [(24,), (40, 20, 16)])
def test_each_snapshot_is_mapped_aligned_and_the_star_follows_the_weights(widths, sample, monkeypatch):
    monkeypatch.setattr(projection, "LIVE_SECONDS", 0.0)  # a new frame for each snapshot, without waiting
    at = AppTest.from_file(str(ROOT / "tests/support/live_map_page.py"), default_timeout=120)
    net = deep.random_deep_net(widths, seed=1)
    at.session_state["test_snapshot"] = snapshot(net, 1)
    at.run()
    assert not at.exception
    spec, first, _ = shown(at)
    depth = len(widths)
    assert spec["title"]["text"].startswith(f"How hidden layer {depth} ")  # the last layer, unless one was picked
    rng = np.random.default_rng(0)
    previous = first
    for step in (2, 3, 4):
        net = network.Network.of(*[a + rng.normal(0, 0.005, a.shape).astype(np.float32) for a in net.arrays()])
        at.session_state["test_snapshot"] = snapshot(net, step)
        at.run()
        assert not at.exception
        again, coords, star = shown(at)
        assert again == spec  # the same spec: the browser swaps the data in place
        assert any(f"At step {step}" in c.value for c in at.caption)
        images, labels = projection.map_digits(sample)
        fresh = projection.layer_map(net, images, labels, depth)
        assert not np.allclose(coords, previous)  # a new frame …
        for axis in range(2):  # … that neither flips nor jumps
            assert np.corrcoef(coords[:, axis], previous[:, axis])[0, 1] > 0.5
        r = projection.rotation(fresh.coords, coords)
        assert np.allclose(fresh.coords @ r, coords, atol=1e-4)  # the fresh map, only turned
        digit = images[0]  # no digit of the user's: the first test digit is the star
        assert np.allclose(star, (projection.place(net, digit, fresh)) @ r, atol=1e-4)
        previous = coords


def test_a_frame_is_kept_within_a_second_and_the_picked_layer_is_used(sample, monkeypatch):
    # A minute, not the real second: two AppTest runs on a loaded machine took longer than a second (seen in
    # a full run at load 7). The page's rule is the same; only its clock is out of the way.
    monkeypatch.setattr(projection, "LIVE_SECONDS", 60.0)
    at = AppTest.from_file(str(ROOT / "tests/support/live_map_page.py"), default_timeout=120)
    net = deep.random_deep_net((40, 20, 16), seed=3)
    at.session_state[map_page.LAYER] = 2
    at.session_state["test_snapshot"] = snapshot(net, 1)
    at.run()
    assert shown(at)[0]["title"]["text"].startswith("How hidden layer 2 (20 neurons)")
    frame = at.session_state[live_map.FRAME]
    at.session_state["test_snapshot"] = snapshot(deep.random_deep_net((40, 20, 16), seed=4), 2)
    at.run()
    assert at.session_state[live_map.FRAME] is frame  # within LIVE_SECONDS: the same frame, not a new PCA
    assert not at.exception and session.NETWORK not in at.session_state


def test_the_live_map_never_makes_the_map_pages_hover_pictures(sample, monkeypatch):
    """They cost the server about a second of CPU on first use, and the live chart shows none of them."""
    from nnviz.figures import projection as figures

    def refuse(images):
        raise AssertionError("the live map made the Map page's hover pictures")

    map_page.map_digits.clear()  # whatever other tests cached: the live map must not ask for them at all
    monkeypatch.setattr(figures, "hover_pictures", refuse)
    at = AppTest.from_file(str(ROOT / "tests/support/live_map_page.py"), default_timeout=120)
    at.session_state["test_snapshot"] = snapshot(deep.random_deep_net((24,), seed=5), 1)
    at.run()
    assert not at.exception
    _, coords, _ = shown(at)
    assert len(coords) == len(projection.map_digits(sample)[1])
