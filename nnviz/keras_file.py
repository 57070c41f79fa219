"""Read a Dense stack's weights from a .keras file with h5py, without importing TensorFlow.

Importing TensorFlow takes ~3 s, most of the app's cold start, yet the Draw page only needs the
pretrained model's weight arrays. A Keras 3 .keras file is a zip of config.json (the layers,
with activation and dropout rate) and model.weights.h5 (each layer's variables under
layers/<name>/vars/<i>). tests/test_keras_file.py proves the result equal to keras.models.load_model.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import h5py
import numpy as np

from nnviz.network import Network
from nnviz.settings import MAX_DEPTH, SPEC

SHOWN_DEPTH = MAX_DEPTH  # hidden Dense layers every page shows
SHOWN_ACTIVATIONS = SPEC["activation"].choices  # relu, sigmoid, tanh and linear, as the Train page builds
MODEL_LAYERS = (f"Flatten, then 1 to {SHOWN_DEPTH} hidden Dense layers ({', '.join(SHOWN_ACTIVATIONS)}), each "
                "optionally followed by Dropout, then Dense(10)")  # the models nnviz accepts, in words

# Layer class names, one letter each: Flatten (optional), then [Dense, optional Dropout] per hidden layer, Dense.
_CODES = {"Flatten": "F", "Dense": "D", "Dropout": "O"}
_STACK = re.compile(r"F?(DO?)+D")


def is_dense_stack(kinds: list[str]) -> bool:
    """Whether layer class names (input layer left out) spell Flatten? → [Dense → Dropout?]+ → Dense."""
    return _STACK.fullmatch("".join(_CODES.get(kind, "?") for kind in kinds)) is not None


def _natural(name: str) -> int:
    """Keras names a model's Dense weight groups dense, dense_1, dense_2, … in layer order."""
    suffix = name.rpartition("_")[2]
    return int(suffix) if "_" in name and suffix.isdigit() else 0


def read_network(path: Path | str) -> Network:
    """The Network stored in a .keras file of Flatten → [Dense → Dropout]+ → Dense(10). Raises ValueError."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    layers = [layer for layer in config["config"]["layers"] if layer["class_name"] != "InputLayer"]
    kinds = [layer["class_name"] for layer in layers]
    if not kinds or kinds[0] != "Flatten" or not is_dense_stack(kinds):
        raise ValueError(f"not the beginner network (Flatten → Dense … → Dense(10)): {kinds}")
    dense = [layer["config"] for layer in layers if layer["class_name"] == "Dense"]
    rates = [float(layer["config"]["rate"]) for layer in layers if layer["class_name"] == "Dropout"]
    with h5py.File(io.BytesIO(weights), "r") as file:
        groups = sorted((name for name, g in file["layers"].items() if len(g["vars"]) == 2), key=_natural)
        arrays = [np.asarray(file["layers"][name]["vars"][i], np.float32) for name in groups for i in "01"]
    if len(groups) != len(dense):
        raise ValueError("unexpected weights in model.weights.h5")
    return Network.of(*arrays, activation=dense[0]["activation"], dropout=rates[0] if rates else 0.0)
