"""Read and write .keras files safely: size caps, Keras safe mode, and a check that the model fits the views."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile

import keras

from nnviz import model
from nnviz.network import ACTIVATIONS, Network

MAX_MODEL_BYTES = 20 * 1024 * 1024      # width 1024 with optimizer state is ~10 MB
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # a zip bomb is refused before Keras extracts anything
MODEL_LAYERS = "Flatten → Dense (relu, sigmoid or tanh) → optional Dropout → Dense(10)"


class BadModel(ValueError):
    """A model file nnviz will not use; the message is meant for the user."""


def network_from_keras_bytes(data: bytes) -> Network:
    """An uploaded .keras file → Network. Raises BadModel; never runs code from the file."""
    if len(data) > MAX_MODEL_BYTES:
        raise BadModel(f"That file is {len(data) / 1e6:.1f} MB; model files up to "
                       f"{MAX_MODEL_BYTES // 2**20} MB are accepted.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise BadModel("That model file unpacks to far more than a model of this size needs.")
            if "config.json" not in archive.namelist():
                raise BadModel("That zip file is not a Keras model (it has no config.json).")
    except zipfile.BadZipFile:
        raise BadModel("That is not a .keras file: it is not a valid zip archive.") from None
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "upload.keras")  # our own name: no path is taken from the user
        with open(path, "wb") as file:
            file.write(data)
        try:
            # safe_mode=True refuses Lambda layers' serialized code instead of running it.
            loaded = keras.models.load_model(path, compile=False, safe_mode=True)
        except Exception as exc:  # Keras raises many types for broken or hostile files
            text = str(exc)
            if "safe_mode" in text or "Lambda" in text or "lambda" in text:
                raise BadModel("That model contains custom code (a Lambda layer). For safety nnviz "
                               "never runs code from uploaded files.") from None
            raise BadModel(f"That model could not be loaded ({type(exc).__name__}): "
                           f"the file may be damaged or use layers nnviz does not know.") from None
    return network_from_model(loaded)


def network_from_model(loaded: keras.Model) -> Network:
    """Check a Keras model has the shape the views understand and take its weights."""
    shape = tuple(loaded.input_shape[1:]) if not isinstance(loaded.input_shape, list) else None
    if shape not in ((28, 28), (784,)):
        raise BadModel(f"The model takes input of shape {shape}; nnviz needs 28×28 digits (or 784 values).")
    layers = [layer for layer in loaded.layers if not isinstance(layer, keras.layers.InputLayer)]
    kinds = [type(layer).__name__ for layer in layers]
    if kinds and kinds[0] == "Flatten":
        kinds, layers = kinds[1:], layers[1:]
    rate = 0.0
    if kinds[1:2] == ["Dropout"]:  # Dense, Dropout, Dense
        rate = float(layers[1].rate)
        kinds, layers = kinds[:1] + kinds[2:], layers[:1] + layers[2:]
    if kinds != ["Dense", "Dense"]:
        raise BadModel(f"The model's layers are {', '.join(type(x).__name__ for x in loaded.layers)}; "
                       f"nnviz shows {MODEL_LAYERS}.")
    hidden, output = layers
    activation = keras.activations.serialize(hidden.activation)
    if activation not in ACTIVATIONS:
        raise BadModel(f"The hidden layer uses '{activation}'; nnviz shows relu, sigmoid or tanh.")
    if output.units != 10:
        raise BadModel(f"The model has {output.units} outputs; nnviz needs 10, one per digit.")
    if keras.activations.serialize(output.activation) not in ("linear", "softmax"):
        raise BadModel("The output layer must give logits (or softmax probabilities).")
    if not (hidden.use_bias and output.use_bias):
        raise BadModel("Both Dense layers need biases.")
    w1, b1 = hidden.get_weights()
    w2, b2 = output.get_weights()
    # A softmax output layer's pre-activation is exactly the logits the views show.
    return Network(w1.astype("float32"), b1.astype("float32"), w2.astype("float32"), b2.astype("float32"),
                   activation, rate)


def keras_bytes(net: Network) -> bytes:
    """A Network as a .keras file's bytes, for download."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.from_network(net).save(path)
        with open(path, "rb") as file:
            return file.read()
