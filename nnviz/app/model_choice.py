"""Which model every page shows: this session's live training run, a model it made active, or the default."""

from __future__ import annotations

from nnviz import data
from nnviz.app import session
from nnviz.app.datasets import training_dataset
from nnviz.app.resources import default_network
from nnviz.network import Network
from nnviz.settings import width_text

DEFAULT_LABEL = "pretrained default (width 128)"


def dataset() -> data.Dataset:
    """The dataset this session trains on: the bundled sample unless it chose (available) full MNIST."""
    return training_dataset(session.setting("dataset") or "sample")[0]


def active_network() -> tuple[str, Network]:
    """(label, weights) of the model every page shows. The most recent choice wins: this session's
    training run (live weights, made active by Train or Step), a model it made active (taught,
    uploaded), else the pretrained default."""
    trainer = session.trainer()
    if session.live_run() and trainer is not None:
        snap = trainer.snapshot
        if snap.network is not None and (snap.step > 0 or snap.active):  # not a fresh, untrained run
            state = "training live" if snap.active else f"{snap.status}, step {snap.step:,}"
            return f"{snap.name} you trained ({width_text(snap.settings.widths)}, {state})", snap.network
    return session.chosen_network() or (DEFAULT_LABEL, default_network())


def set_active_network(label: str, net: Network, run_id: str | None = None) -> None:
    """Make a model of this session's (trained, taught or uploaded) the one every page shows; run_id: the
    saved run it was loaded from."""
    session.set_chosen_network((label, net))
    session.set_chosen_run(run_id)
    session.set_live_run(False)


def reset_active_network() -> None:
    session.set_chosen_network(None)
    session.set_chosen_run(None)
    session.set_live_run(False)


def use_training_run() -> None:
    """Every page now shows the weights of this session's training run, live as it learns."""
    session.set_live_run(True)
    session.set_chosen_network(None)
    session.set_chosen_run(None)


def saved_run_in_use(net: Network) -> str | None:
    """The id of the saved run whose file `net` (the active model) was loaded from, or None."""
    chosen = session.chosen_network()
    return session.chosen_run() if chosen is not None and chosen[1] is net else None
