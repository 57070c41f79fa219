"""Every change nnviz makes to the whole server process, declared in one place. app.py calls configure()
first on every run, and settle_heap() after each page (both do their work only when there is some).

- The numeric libraries' environment (ENVIRONMENT): read by TensorFlow when it loads (its log level)
  and when it runs its first op (its threads), and by numpy when it loads (its BLAS threads: too late
  for this process, in time for its workers). Training workers inherit it: they fork from a forkserver
  this process starts.
- The garbage-collection policy (settle_heap): the heap frozen once loaded, Streamlit's own full
  collection after every run turned off in .streamlit/config.toml (see GC_POLICY for the measurement).

Changes made elsewhere, on purpose, because they belong to other processes: a training worker lowers
its own scheduling priority (nnviz/training/worker.py) and freezes its heap once TensorFlow and its
graph are loaded (nnviz/training/heap.py). Streamlit's script runner also calls
keras.backend.clear_session() after every run; nnviz needs no guard against it, since Keras trains
only in the workers (tests/test_training_worker.py checks that the server's own Keras work survives it).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import MutableMapping

from nnviz import environment
from nnviz.training.heap import settle_heap as _settle

# Declared in nnviz/environment.py (with why), where the core's TensorFlow importers find the log level.
ENVIRONMENT = environment.ENVIRONMENT

# Streamlit runs gc.collect(2) after every script run (runner.postScriptGC, on by default). Over the
# server's whole heap (~132,000 objects once the Train and Draw pages have run) one such collection
# took 248 ms (median of 30, busy 2-core machine); with that heap frozen (gc.freeze), 0.01 ms. With one
# session that made the per-run collection harmless, but a class's sessions keep ~13,000 objects of
# Streamlit's own that no freeze can hold: with 30 sessions each collection took 10-13 ms, about ten a
# second, 38% of the server's Python time (py-spy). Turned off (.streamlit/config.toml), the classroom
# benchmark's predict p95 went from 15-18x to 7-8x the single-session figure (quiet machine, two runs
# each); Python's own generational collections still free each run's cycles, walking young objects only.
GC_POLICY = "freeze the loaded heap; runner.postScriptGC off"

_lock = threading.Lock()
_configured = False
_modules_settled = 0   # len(sys.modules) when the heap was last frozen


def environment_variables(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set the numeric libraries' environment, keeping whatever the host set already."""
    environment.apply(environ=environ)


def configure() -> None:
    """The changes to make before anything else runs (later calls do nothing)."""
    global _configured
    with _lock:
        if not _configured:
            environment_variables()
            _configured = True


def settle_heap() -> bool:
    """Freeze the heap again whenever modules were loaded since it last was (a page imported plotly, or
    TensorFlow, say): what they load lives as long as the server. True when it did."""
    global _modules_settled
    with _lock:
        if len(sys.modules) <= _modules_settled:
            return False
        _settle(thaw=False)
        _modules_settled = len(sys.modules)
        return True
