"""The server-wide cap on concurrent training runs (Pool), and the trainers one browser tab owns (Lease)."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Mapping
from typing import Protocol

DEFAULT_MAX_TRAINERS = 2


def max_trainers(environ: Mapping[str, str] = os.environ) -> int:
    """The server's cap on concurrent training runs: env NNVIZ_MAX_TRAINERS (≥ 1), else 2."""
    try:
        return max(1, int(environ.get("NNVIZ_MAX_TRAINERS", DEFAULT_MAX_TRAINERS)))
    except ValueError:
        return DEFAULT_MAX_TRAINERS


class Pool:
    """A server-wide cap on concurrent training runs; runs beyond it wait in line (first come, first served).

    Shared by every session through st.cache_resource (not a module global). Its build_lock also
    serialises model building, because Keras seeds initial weights from process-global random state.
    """

    def __init__(self, limit: int = DEFAULT_MAX_TRAINERS):
        self.limit = max(1, int(limit))
        self.build_lock = threading.Lock()
        self._cond = threading.Condition()
        self._active: list[object] = []
        self._waiting: list[object] = []

    def acquire(self, owner: object, timeout: float = 0.0) -> bool:
        """Take a slot for owner, waiting up to timeout; if none is free, owner keeps its place in line."""
        with self._cond:
            if owner in self._active:
                return True
            if owner not in self._waiting:
                self._waiting.append(owner)
            # Its place can be given up meanwhile (release from another thread): then it is never first.
            granted = self._cond.wait_for(
                lambda: bool(self._waiting) and self._waiting[0] is owner and len(self._active) < self.limit,
                timeout)
            if granted:
                self._waiting.remove(owner)
                self._active.append(owner)
            return granted

    def release(self, owner: object) -> None:
        """Give back owner's slot, or its place in line."""
        with self._cond:
            for line in (self._active, self._waiting):
                if owner in line:
                    line.remove(owner)
            self._cond.notify_all()

    def position(self, owner: object) -> int | None:
        """1 for next in line, 2 behind one other run, …; None when not waiting."""
        with self._cond:
            return self._waiting.index(owner) + 1 if owner in self._waiting else None

    @property
    def active_count(self) -> int:
        with self._cond:
            return len(self._active)


class Closable(Protocol):
    """What a Lease needs of a trainer (a protocol, so this module need not import the trainer)."""

    def close(self, wait: bool = True, reason: str = "") -> None: ...


class Lease:
    """The trainers one browser session owns. Streamlit releases a session-scoped resource when its
    session disconnects (a closed tab); release() then ends these trainers. Weak references, so a
    trainer that is dropped for another reason is not kept alive by its lease."""

    def __init__(self):
        self._trainers: weakref.WeakSet[Closable] = weakref.WeakSet()
        self._lock = threading.Lock()

    def watch(self, trainer: Closable) -> None:
        with self._lock:
            self._trainers.add(trainer)

    def release(self) -> None:
        with self._lock:
            trainers = list(self._trainers)
        for trainer in trainers:
            trainer.close(wait=False, reason="The browser tab was closed, so its training stopped.")
