"""Read and write .keras files safely: size caps, Keras safe mode, and a check that the Dense stack fits the views."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile

import keras

from nnviz import model
from nnviz.keras_file import MODEL_LAYERS, SHOWN_ACTIVATIONS, SHOWN_DEPTH, is_dense_stack
from nnviz.network import Network

MAX_MODEL_BYTES = 20 * 1024 * 1024      # width 1024 with optimizer state is ~10 MB
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # a zip bomb is refused before Keras extracts anything
STACK_KINDS = ("Flatten", "Dense", "Dropout")


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


def network_from_model(loaded: keras.Model, max_depth: int = SHOWN_DEPTH,
                       activations: tuple[str, ...] = SHOWN_ACTIVATIONS) -> Network:
    """Check a Keras model is a Dense stack the views understand and take its weights."""
    shape = tuple(loaded.input_shape[1:]) if not isinstance(loaded.input_shape, list) else None
    if shape not in ((28, 28), (784,)):
        raise BadModel(f"The model takes input of shape {shape}; nnviz needs 28×28 digits (or 784 values).")
    layers = [layer for layer in loaded.layers if not isinstance(layer, keras.layers.InputLayer)]
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    kinds = [type(layer).__name__ for layer in layers]
    if not is_dense_stack(kinds) or not 1 <= len(dense) - 1 <= max_depth:
        raise BadModel(f"{found(kinds, max_depth)}; nnviz shows {MODEL_LAYERS}.")
    _check_dense(dense, activations)
    rates = {float(layer.rate) for layer in layers if isinstance(layer, keras.layers.Dropout)}
    if len(rates) > 1:
        raise BadModel(f"The model's Dropout layers have different rates ({', '.join(map(str, sorted(rates)))}); "
                       "nnviz shows one rate shared by every hidden layer.")
    # A softmax output layer's pre-activation is exactly the logits the views show.
    arrays = [w.astype("float32") for layer in dense for w in layer.get_weights()]
    try:
        return Network.of(*arrays, activation=keras.activations.serialize(dense[0].activation),
                          dropout=rates.pop() if rates else 0.0)
    except ValueError as exc:  # e.g. Dense layers applied to 28×28 without a Flatten
        raise BadModel(f"The model's weights do not chain from 784 inputs to 10 outputs ({exc}).") from None


def found(kinds: list[str], max_depth: int = SHOWN_DEPTH) -> str:
    """What is wrong with a model's layers (their class names, input layer left out), in a few words."""
    others = list(dict.fromkeys(kind for kind in kinds if kind not in STACK_KINDS))
    if others:
        return "The model has " + " and ".join(f"{'an' if k[0] in 'AEIOU' else 'a'} {k} layer" for k in others[:3])
    hidden = kinds.count("Dense") - 1
    if hidden > max_depth:
        return f"The model has {hidden} hidden Dense layers, more than {max_depth}"
    if hidden < 1:
        return "The model has no hidden layer"
    return f"The model's layers are {', '.join(kinds)}, in an order nnviz does not show"


def _check_dense(dense: list, activations: tuple[str, ...]) -> None:
    """The Dense layers: one shown activation for every hidden layer, 10 logits out, biases everywhere."""
    hidden, output = dense[:-1], dense[-1]
    used = sorted({keras.activations.serialize(layer.activation) for layer in hidden})
    if len(used) > 1:
        raise BadModel(f"The hidden layers use different activations ({', '.join(used)}); nnviz shows one for all.")
    if used[0] not in activations:
        raise BadModel(f"The hidden layers use '{used[0]}'; nnviz shows {', '.join(activations[:-1])} or "
                       f"{activations[-1]}.")
    if output.units != 10:
        raise BadModel(f"The model has {output.units} outputs; nnviz needs 10, one per digit.")
    if keras.activations.serialize(output.activation) not in ("linear", "softmax"):
        raise BadModel("The output layer must give logits (or softmax probabilities).")
    if not all(layer.use_bias for layer in dense):
        raise BadModel("Every Dense layer needs biases.")


def keras_bytes(net: Network) -> bytes:
    """A Network as a .keras file's bytes, for download."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.from_network(net).save(path)
        with open(path, "rb") as file:
            return file.read()
