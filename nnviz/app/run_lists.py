"""The runs a session may see: the saved runs folder as its user may use it, and its own ended runs."""

from __future__ import annotations

import streamlit as st

from nnviz.app import identity, session
from nnviz.run_record import RunRecord
from nnviz.run_store import RunStore


def saved_runs() -> RunStore:
    """The runs folder (env NNVIZ_RUNS_DIR, default ./runs) as this session's user may use it: every ended
    run is saved there as theirs. With login on and nobody signed in, the sign-in screen stops the page."""
    return RunStore.from_env(user=identity.require_user())


def session_runs() -> list[RunRecord]:
    """This session's ended runs, oldest first (copied in from its trainer as they end)."""
    kept = st.session_state.setdefault(session.RUNS, [])
    current = session.trainer()
    if current is not None:
        known = {r.run_id for r in kept}
        kept.extend(r for r in current.records if r.run_id not in known)
    return kept
