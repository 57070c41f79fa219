"""Which dataset a setting or a saved run names, as this server has it (the sample is always there)."""

from __future__ import annotations

from nnviz import data
from nnviz.app.resources import full_dataset, sample_dataset


def training_dataset(name: str) -> tuple[data.Dataset, str | None]:
    """The dataset a setting names, or the bundled sample with a notice when it is not available."""
    if name == "full":
        try:
            return full_dataset(), None
        except data.DataUnavailable as exc:
            return sample_dataset(), f"{exc} Training uses the bundled sample instead."
    return sample_dataset(), None


def dataset_named(name: str) -> data.Dataset | None:
    """The dataset a run record names (None if it cannot be loaded now)."""
    if name == sample_dataset().name:
        return sample_dataset()
    try:
        return full_dataset()
    except data.DataUnavailable:
        return None


def download_full_mnist() -> str | None:
    """Fetch full MNIST into Keras's cache; None on success, else the reason it failed."""
    try:
        data.load_full_mnist(allow_download=True)
    except data.DataUnavailable as exc:
        return str(exc)
    return None
