"""Datasets: the bundled real-MNIST sample (offline) and full MNIST via Keras's cache."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

SAMPLE_FILE = "mnist_sample.npz"
DEFAULT_MODEL_FILE = "default_model.keras"  # trained by scripts/train_default.py
CREDIT = "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0)"


class DataUnavailable(RuntimeError):
    """Raised with a user-facing message when a dataset cannot be loaded."""


@dataclass(frozen=True)
class Dataset:
    """Read-only uint8 images (n, 28, 28) and uint8 labels, shared between sessions."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def __post_init__(self):
        for array in (self.x_train, self.y_train, self.x_test, self.y_test):
            array.setflags(write=False)  # shared by every session: nobody may mutate it

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, train={len(self.y_train)}, test={len(self.y_test)})"

    @property
    def summary(self) -> str:
        return f"{self.name}: {len(self.y_train):,} training and {len(self.y_test):,} test digits"


def asset_path(name: str) -> Path:
    return Path(str(resources.files("nnviz") / "assets" / name))


def load_sample() -> Dataset:
    """The 10,000 real MNIST digits bundled with nnviz (built by scripts/build_sample.py)."""
    with np.load(asset_path(SAMPLE_FILE)) as z:
        info = json.loads(str(z["info"]))
        return Dataset("MNIST sample", z["x_train"], z["y_train"], z["x_test"], z["y_test"],
                       f"{info['source']}; {CREDIT}")


def keras_cache_file() -> Path:
    """Where keras.datasets.mnist.load_data() keeps its download (honours KERAS_HOME)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets" / "mnist.npz"


def full_mnist_cached() -> bool:
    return keras_cache_file().is_file()


def _check(x: np.ndarray, y: np.ndarray, part: str) -> None:
    if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y) or len(y) == 0:
        raise DataUnavailable(f"The cached MNIST file has an unexpected {part} split; delete "
                              f"{keras_cache_file()} and download it again.")


def load_full_mnist(allow_download: bool = False) -> Dataset:
    """Full MNIST (60k + 10k). Touches the network only when allow_download is True."""
    path = keras_cache_file()
    if not path.is_file():
        if not allow_download:
            raise DataUnavailable("Full MNIST is not downloaded yet.")
        try:
            import keras  # deferred: importing Keras costs seconds and is not needed offline

            keras.datasets.mnist.load_data()
        except Exception as exc:  # any network or file error: the sample keeps working
            raise DataUnavailable(
                f"Could not download full MNIST ({type(exc).__name__}). "
                "nnviz keeps using the bundled sample of 10,000 real MNIST digits.") from exc
    # Read the cached file directly, as load_data() does, without its network fallback.
    try:
        with np.load(path, allow_pickle=False) as z:
            x_train, y_train, x_test, y_test = (z[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    except Exception as exc:
        raise DataUnavailable(f"The cached MNIST file {path} could not be read ({type(exc).__name__}).") from exc
    _check(x_train, y_train, "training")
    _check(x_test, y_test, "test")
    return Dataset("Full MNIST", x_train, y_train.astype(np.uint8), x_test, y_test.astype(np.uint8),
                   f"keras.datasets.mnist ({path}); {CREDIT}")


def as_float(images: np.ndarray) -> np.ndarray:
    """uint8 images → float32 in [0, 1], the model's input scale."""
    return images.astype(np.float32) / 255.0
