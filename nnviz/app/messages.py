"""The one way pages show a message: a level (info, success, warning, error), its text, and an icon."""

from __future__ import annotations

import streamlit as st

from nnviz.training.status import Status

LEVELS = ("info", "success", "warning", "error")  # each is the name of Streamlit's alert

STATUS = {  # how each run status is announced: (level, icon)
    Status.STARTING: ("info", ":material/hourglass_top:"), Status.READY: ("info", ":material/play_circle:"),
    Status.QUEUED: ("warning", ":material/hourglass_top:"), Status.TRAINING: ("info", ":material/model_training:"),
    Status.PAUSED: ("info", ":material/pause_circle:"), Status.FINISHED: ("success", ":material/check_circle:"),
    Status.STOPPED: ("info", ":material/stop_circle:"), Status.DIVERGED: ("error", ":material/trending_up:"),
    Status.FAILED: ("error", ":material/error:"), Status.CLOSED: ("warning", ":material/link_off:"),
}


def show(level: str, text: str, icon: str | None = None, where=st) -> None:
    """Show a message; `where` is a container or column (the page by default)."""
    if level not in LEVELS:
        raise ValueError(f"unknown message level {level!r}")
    getattr(where, level)(text, icon=icon)


def show_status(status: Status, text: str) -> None:
    level, icon = STATUS.get(status, ("info", None))
    show(level, text, icon)
