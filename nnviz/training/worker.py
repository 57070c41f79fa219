"""A training worker process's entry point: lower its priority, then run its Engine until the server lets go.

Workers start from multiprocessing's forkserver, which has TensorFlow loaded (see supervisor), so
TensorFlow's memory and CPU stay out of the Streamlit server. Importing this module does not import
TensorFlow.
"""

from __future__ import annotations

import contextlib
import os

from nnviz.training.engine import Engine, Gone, Start

# Added to the worker's scheduling priority: page reruns in the server get a core first. The one
# process-wide change a worker makes to itself; the server's are in nnviz/app/runtime.py.
NICENESS = 10


def niceness(environ=os.environ) -> int:
    """How much lower than the server's a worker's priority is: env NNVIZ_WORKER_NICENESS (0-19), else
    NICENESS. 0 suits a machine that only trains (or a test sharing its cores with unrelated work)."""
    try:
        return min(19, max(0, int(environ.get("NNVIZ_WORKER_NICENESS", NICENESS))))
    except ValueError:
        return NICENESS


def main(conn, start: Start) -> None:
    """The worker process's entry point."""
    with contextlib.suppress(OSError):
        os.nice(niceness())
    engine = Engine(conn, start)
    try:
        engine.main()
    except Gone:
        pass  # the server is gone: nobody is left to tell
    finally:
        conn.close()
