"""Which test digits validate a run while it trains, and which test it once it ends."""

from __future__ import annotations

import numpy as np

VAL_PER_EPOCH = 4                 # validation checks on the fixed subset per epoch
VAL_SUBSET = 500                  # size of that subset


def held_out_split(n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions in x_test for validation (even) and for the final test (odd).

    Validation steers decisions while training, so it must not be the digits the final test uses.
    Interleaving keeps both halves alike (full MNIST's test set is easier in its first half).
    """
    positions = np.arange(n_test)
    return positions[0::2], positions[1::2]
