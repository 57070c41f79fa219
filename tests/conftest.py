"""Shared fixtures: the real app under AppTest, and quiet TensorFlow."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from nnviz import environment

environment.apply(environment.QUIET)
# Runs that tests train are saved in a throwaway folder (also by servers the browser tests start),
# never in the repository's ./runs or a folder the user configured.
os.environ["NNVIZ_RUNS_DIR"] = tempfile.mkdtemp(prefix="nnviz-test-runs-")
atexit.register(shutil.rmtree, os.environ["NNVIZ_RUNS_DIR"], ignore_errors=True)

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample():
    """The bundled MNIST sample (read-only, so one copy serves every test)."""
    from nnviz import data

    return data.load_sample()


@pytest.fixture(scope="session")
def default_net():
    """The pretrained default model's weights."""
    from nnviz import model

    return model.to_network(model.load_default_model())


@pytest.fixture
def open_page():
    """open_page("views/layers.py", digit=array, **session_state) → an AppTest that has run that page."""
    from streamlit.testing.v1 import AppTest

    from nnviz.app import digit_choice, session

    def _open(page: str = "views/draw.py", digit=None, timeout: float = 120, **state):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        for key, value in state.items():
            at.session_state[key] = value
        if digit is not None:
            at.session_state[session.DIGIT] = digit_choice.CurrentDigit(digit, "a test digit")
        at.switch_page(page)
        return at.run()

    return _open
