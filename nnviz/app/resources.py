"""What one server process shares between all its sessions (st.cache_resource), and what one session
holds until its tab disconnects (scope="session"). Nothing else lives here."""

from __future__ import annotations

import streamlit as st

from nnviz import data
from nnviz.network import Network
from nnviz.training.pool import Lease, Pool, max_trainers


@st.cache_resource(show_spinner="Loading the bundled MNIST sample…")
def sample_dataset() -> data.Dataset:
    return data.load_sample()


@st.cache_resource(show_spinner="Loading full MNIST…")
def full_dataset() -> data.Dataset:
    """Raises data.DataUnavailable while it is not downloaded (an exception is not cached: a later call retries)."""
    return data.load_full_mnist(allow_download=False)


@st.cache_resource(show_spinner="Loading the pretrained model…")
def default_network() -> Network:
    from nnviz import keras_file

    # Read with h5py: importing TensorFlow here would add ~3 s to every cold start.
    return keras_file.read_network(data.asset_path(data.DEFAULT_MODEL_FILE))


@st.cache_resource(show_spinner=False)
def training_pool() -> Pool:
    """The server-wide cap on concurrent training runs (env NNVIZ_MAX_TRAINERS, default 2)."""
    return Pool(max_trainers())


@st.cache_resource(scope="session", on_release=Lease.release, show_spinner=False)
def session_lease() -> Lease:
    """Released by Streamlit when this session's browser tab disconnects: that ends its trainer."""
    return Lease()


@st.cache_resource(show_spinner="Initialising a fresh model…", max_entries=8)
def fresh_network(width: int, activation: str = "relu", dropout: float = 0.2, seed: int = 0) -> Network:
    """An untrained model's weights (Keras's own initialisation), for before/after comparisons."""
    from nnviz import model

    with training_pool().build_lock:  # Keras seeds from global state: never alongside a trainer's build
        return model.to_network(model.build_model(width, dropout, activation, seed=seed))
