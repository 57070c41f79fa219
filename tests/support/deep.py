"""Deep Networks without Keras, for the unit tests of the pages' core and figures: 1 to 4 hidden layers."""

from __future__ import annotations

import numpy as np

from nnviz import network

WIDTHS = {1: (40,), 2: (48, 24), 3: (40, 20, 16), 4: (48, 32, 24, 16)}


def random_deep_net(widths=(40, 20, 16), activation: str = "relu", seed: int = 0, dropout: float = 0.2):
    """Random weights scaled as Keras's Glorot initialisation, and random biases (so bias bugs show)."""
    rng = np.random.default_rng(seed)
    sizes = (network.INPUTS, *widths, network.CLASSES)
    arrays = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        arrays += [rng.normal(0, np.sqrt(2 / (n_in + n_out)), (n_in, n_out)).astype(np.float32),
                   rng.normal(0, 0.1, n_out).astype(np.float32)]
    return network.Network.of(*arrays, activation=activation, dropout=dropout)
