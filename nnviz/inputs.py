"""Which drawings and uploads are new: Streamlit hands the same canvas and file back on every rerun."""

from __future__ import annotations

import hashlib


def identity(payload: bytes, token: str | None = None) -> str:
    """What tells one input from the next.

    token: the uploader's file id, when there is one. The uploader hands the same file (same id)
    back on every rerun, so a test digit picked meanwhile stays; uploading the same bytes again
    gives a new id, so it takes effect again. Without a token (the canvas), the payload's hash:
    every new stroke changes the canvas's pixels.
    """
    if token:
        return f"file {token}"
    return "hash " + hashlib.blake2b(payload, digest_size=16).hexdigest()


def new_input(last_seen: str | None, payload: bytes | None, token: str | None = None) -> str | None:
    """The identity to remember when this payload is a new input for its source, else None.

    last_seen: the identity remembered from this source's previous new input (None at first).
    """
    if not payload:
        return None
    seen = identity(payload, token)
    return None if seen == last_seen else seen
