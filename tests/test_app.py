"""The router's page boundary: an unexpected error in any page shows a plain message, never a traceback or a
server path, and goes to the server's log; Streamlit's own st.rerun, st.switch_page and st.stop still work."""

import logging
import subprocess
import sys
import tomllib

import pytest
import streamlit as st

from nnviz.app import model_choice, run_lists
from tests.conftest import ROOT

PAGES = ["views/draw.py", "views/layers.py", "views/weights.py", "views/walkthrough.py", "views/teach.py",
         "views/runs.py"]
SECRET = "/srv/private/nnviz/secret.txt"  # stands for any server path an error message may carry


def texts(elements):
    return [e.value for e in elements]


def everything_shown(at) -> str:
    kinds = ("markdown", "caption", "info", "success", "warning", "error", "title", "subheader", "exception")
    return "\n".join(str(getattr(e, "value", "")) + str(getattr(e, "message", "")) for kind in kinds
                     for e in at.get(kind))


def broken(*args, **kwargs):
    raise RuntimeError(f"disk trouble reading {SECRET}")


@pytest.mark.parametrize("page", PAGES)
def test_an_unexpected_error_in_a_page_shows_a_plain_message_and_goes_to_the_log(open_page, monkeypatch, caplog,
                                                                                page):
    monkeypatch.setattr(model_choice, "active_network", broken)  # every one of these pages (and the header) asks for it
    with caplog.at_level(logging.ERROR, logger="nnviz.app"):
        at = open_page(page)
    assert not at.exception  # no traceback element
    errors = texts(at.error)
    assert errors and all("something went wrong" in e and "server's log" in e for e in errors)
    shown = everything_shown(at)
    assert SECRET not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    assert str(ROOT) not in shown and ".py" not in shown
    logged = [r for r in caplog.records if r.name == "nnviz.app"]
    assert logged and all(r.exc_info and SECRET in str(r.exc_info[1]) for r in logged)  # the details, for the log


def test_an_error_in_one_page_leaves_the_other_pages_working(open_page, monkeypatch):
    monkeypatch.setattr(run_lists, "saved_runs", broken)  # only the Runs page uses the runs folder
    at = open_page("views/runs.py")
    assert not at.exception and len(at.error) == 1
    at.switch_page("views/weights.py").run()
    assert not at.exception and not at.error and texts(at.title) == ["Weights: what the network has learned"]


def test_switch_page_rerun_and_stop_pass_through_the_boundary(open_page, monkeypatch):
    """They are Streamlit's control flow (BaseExceptions), not errors: the boundary must not swallow them."""
    monkeypatch.setattr(run_lists, "saved_runs", lambda: st.switch_page("views/weights.py"))
    at = open_page("views/runs.py")
    assert not at.exception and not at.error
    assert texts(at.title) == ["Weights: what the network has learned"]  # the switch happened

    monkeypatch.undo()
    real, calls = run_lists.saved_runs, []

    def rerun_once():
        calls.append(1)
        if len(calls) == 1:
            st.rerun()
        return real()
    monkeypatch.setattr(run_lists, "saved_runs", rerun_once)
    at = open_page("views/runs.py")
    assert not at.exception and not at.error and len(calls) == 2  # rerun, then the whole page
    assert texts(at.title) == ["Runs & models"]

    monkeypatch.setattr(run_lists, "saved_runs", st.stop)  # the page's first line: it stops before its title
    at = open_page("views/runs.py")
    assert not at.exception and not at.error and not at.title and not at.get("plotly_chart")


def test_a_served_app_never_shows_error_details():
    """Errors the boundary cannot catch (a fragment's own rerun, an error in Streamlit itself) show only
    Streamlit's generic message: "none" hides the type, the message and the traceback."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_app_py_runs_in_bare_mode_as_a_spawned_process_does():
    """A worker process started with "spawn" re-runs the parent's main script, which under AppTest is app.py,
    outside any Streamlit server: the boundary must not need a running page there."""
    done = subprocess.run([sys.executable, "-c", "import runpy; runpy.run_path('app.py', run_name='__mp_main__')"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_with_login_on_every_page_asks_to_sign_in_first_and_the_header_offers_sign_out():
    """Issue 16: with Streamlit's login configured, no page (nor the header naming the model) shows before
    sign-in; once signed in, the line above every page says who is signed in and offers Sign out."""
    from tests.views.test_runs import ANN, signed_in_page

    for page in PAGES:
        at = signed_in_page({"is_logged_in": False}, page)
        assert not at.exception and texts(at.title) == ["Sign in"], page
        assert [b.label for b in at.button] == ["Sign in"] and not at.get("plotly_chart")
    at = signed_in_page(ANN, "views/draw.py")
    assert not at.exception and texts(at.title) == ["Draw a digit"]
    assert any("Signed in as **Ann**" in c for c in texts(at.caption))
    assert "Sign out" in [b.label for b in at.button]
