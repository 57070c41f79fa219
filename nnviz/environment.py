"""The numeric libraries' environment variables (TensorFlow's, numpy's BLAS), declared once; each takes effect
only in a process that has not loaded its library yet."""

from __future__ import annotations

import os
from collections.abc import Iterable, MutableMapping

ENVIRONMENT = {
    # TensorFlow's start-up chatter (oneDNN notices, CUDA probes) is not for the app's log.
    "TF_CPP_MIN_LOG_LEVEL": "2",
    # One thread per TensorFlow op. This small network trains about twice as fast single-threaded
    # (measured ~85,000 against ~45,000 samples/s on the bundled sample: hand-offs between threads cost
    # more than they save), and each concurrent run then keeps to one core, leaving the other to the server.
    "TF_NUM_INTRAOP_THREADS": "1",
    # One BLAS thread for numpy, read when numpy loads: the server has loaded it by the time it sets this,
    # so it is for the forkserver that training workers start from. A worker validates its run with numpy
    # between chunks; at its lower priority on a busy machine, a second BLAS thread waits for a core, and
    # the trainer ran 11,400 and 8,700 samples/s with it against 23,200 and 13,600 without it (width 128,
    # alternating runs, the machine's load average 11-13).
    "OPENBLAS_NUM_THREADS": "1",
}

# What any nnviz module that imports TensorFlow sets first (scripts and tests included): only the log
# level. The threading is the served app's choice (nnviz/app/runtime.py), not a test's or a script's.
QUIET = ("TF_CPP_MIN_LOG_LEVEL",)


def apply(names: Iterable[str] = tuple(ENVIRONMENT), environ: MutableMapping[str, str] = os.environ) -> None:
    """Set the named variables, keeping whatever the host set already."""
    for name in names:
        environ.setdefault(name, ENVIRONMENT[name])
