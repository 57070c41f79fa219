"""Read the beginner network's weights from a .keras file with h5py, without importing TensorFlow.

Importing TensorFlow takes ~3 s, most of the app's cold start, yet the Draw page only needs the
pretrained model's four weight arrays. A Keras 3 .keras file is a zip of config.json (the layers,
with activation and dropout rate) and model.weights.h5 (each layer's variables under
layers/<name>/vars/<i>). tests/test_keras_file.py proves the result equal to keras.models.load_model.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import h5py
import numpy as np

from nnviz.network import Network


def read_network(path: Path | str) -> Network:
    """The Network stored in a .keras file of Flatten → Dense → Dropout → Dense(10). Raises ValueError."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    layers = [layer for layer in config["config"]["layers"] if layer["class_name"] != "InputLayer"]
    kinds = [layer["class_name"] for layer in layers]
    if kinds != ["Flatten", "Dense", "Dropout", "Dense"]:
        raise ValueError(f"not the beginner network: {kinds}")
    hidden, dropout = layers[1]["config"], layers[2]["config"]
    with h5py.File(io.BytesIO(weights), "r") as file:
        pairs = [(np.asarray(g["vars"]["0"]), np.asarray(g["vars"]["1"]))
                 for g in file["layers"].values() if len(g["vars"]) == 2]
    # The groups' names are Keras's automatic ones; the shapes say which Dense layer is which.
    first = [p for p in pairs if p[0].shape[0] == 784]
    second = [p for p in pairs if p[0].shape[1:] == (10,)]
    if len(pairs) != 2 or len(first) != 1 or len(second) != 1:
        raise ValueError("unexpected weights in model.weights.h5")
    (w1, b1), (w2, b2) = first[0], second[0]
    return Network(w1.astype(np.float32), b1.astype(np.float32), w2.astype(np.float32), b2.astype(np.float32),
                   hidden["activation"], float(dropout["rate"]))
