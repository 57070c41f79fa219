"""How a dataset travels to a worker: the bundled sample and full MNIST by name (the worker loads them
itself, rather than receiving 50 MB of pixels over the pipe), anything else whole."""

from __future__ import annotations

from nnviz import data
from nnviz.data import Dataset

LOADERS = {"MNIST sample": data.load_sample, "Full MNIST": data.load_full_mnist}


def dataset_ref(dataset: Dataset) -> Dataset | str:
    return dataset.name if dataset.name in LOADERS else dataset


def load_dataset(ref: Dataset | str) -> Dataset:
    return LOADERS[ref]() if isinstance(ref, str) else ref
