"""The background trainer: each session's runs train in a worker process that sends back snapshots.

Its modules, each importable on its own: trainer (Trainer, a session's handle), pool (Pool, the
server-wide cap; Lease, a tab's trainers), snapshot (what a page shows), status (statuses and
commands), commands (the Train page's buttons), supervisor (the server's side of a worker), worker
and engine (the worker process and its loop), run (one run and its batch plan), steps (the compiled
training function), divergence, split, heap, messages. The server side never imports TensorFlow.

The few names most callers want are also reachable here (training.Trainer, training.Pool, …),
imported only when first used, so importing this package imports none of its modules.
"""

from __future__ import annotations

import importlib

_PUBLIC = {"Trainer": "trainer", "Pool": "pool", "Lease": "pool", "max_trainers": "pool",
           "Snapshot": "snapshot", "Status": "status"}


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
