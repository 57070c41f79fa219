"""TensorFlow's environment variables, declared once; each takes effect only if set before TensorFlow loads."""

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
}

# What any nnviz module that imports TensorFlow sets first (scripts and tests included): only the log
# level. The threading is the served app's choice (nnviz/app/runtime.py), not a test's or a script's.
QUIET = ("TF_CPP_MIN_LOG_LEVEL",)


def apply(names: Iterable[str] = tuple(ENVIRONMENT), environ: MutableMapping[str, str] = os.environ) -> None:
    """Set the named variables, keeping whatever the host set already."""
    for name in names:
        environ.setdefault(name, ENVIRONMENT[name])
