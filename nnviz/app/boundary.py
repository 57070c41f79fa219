"""Where unexpected errors stop: a plain message for the user, the details for the server's log."""

from __future__ import annotations

import contextlib
import logging

import streamlit as st

LOG = logging.getLogger("nnviz.app")
TROUBLE = ("Sorry, something went wrong here. It was not your doing: the details were written to the server's log. "
           "Reloading the page, or choosing another page, usually helps.")


@contextlib.contextmanager
def boundary(where):
    """No traceback or server path ever reaches a user: an unexpected error shows a plain message and goes
    to the server's log. st.rerun, st.switch_page and st.stop raise BaseExceptions (Streamlit's
    ScriptControlException), not Exceptions, so they pass through untouched and keep working.

    app.py puts one around the header and one around each page; a fragment, which reruns on its own
    without app.py, needs its own."""
    try:
        yield
    except Exception:
        LOG.exception("unexpected error in %s", getattr(where, "title", where))  # a page, or what else failed
        st.error(TROUBLE, icon=":material/error:")
