"""Which layer is learning: each hidden layer's relative weight change per step, between successive snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnviz.network import Network

MAX_POINTS = 300   # a trail keeps the latest this many measurements: a live chart's worth


def relative_changes(before: Network, after: Network, steps: int) -> np.ndarray:
    """Per hidden layer, ‖W_after − W_before‖ / ‖W_before‖ / steps (Frobenius norms of its incoming
    kernel): the share of its weights that changed, per step, averaged over the `steps` between them."""
    if before.widths != after.widths:
        raise ValueError(f"Networks of different shapes: {before.widths} and {after.widths}")
    if steps < 1:
        raise ValueError("Successive snapshots are at least one step apart")
    # In the weights' own float32: a change is the difference of two nearby floats, exact in float32,
    # and float64 copies of a wide kernel cost more than the page's whole refresh.
    changes = [float(np.linalg.norm(b - a)) / max(float(np.linalg.norm(a)), 1e-12)
               for a, b in zip(before.kernels[:-1], after.kernels[:-1], strict=True)]
    return np.array(changes) / steps


@dataclass(frozen=True, eq=False)
class Trail:
    """One run's layer changes so far: at steps[i], changes[i, layer]; and the last network seen."""

    run_id: str = ""
    step: int = 0
    network: Network | None = None
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    changes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def depth(self) -> int:
        return 0 if self.network is None else self.network.depth


def advance(trail: Trail, run_id: str, step: int, network: Network | None) -> Trail:
    """The trail after seeing a snapshot: a new run (or a network of another shape) starts a new
    trail; a later step adds the change since the last one; anything else leaves it as it was."""
    if network is None:
        return trail if run_id == trail.run_id else Trail(run_id)
    if run_id != trail.run_id or trail.network is None or network.widths != trail.network.widths \
            or step < trail.step:
        return Trail(run_id, step, network, np.zeros(0, np.int64), np.zeros((0, network.depth)))
    if step == trail.step:
        return trail
    change = relative_changes(trail.network, network, step - trail.step)
    steps = np.append(trail.steps, step)[-MAX_POINTS:]
    changes = np.vstack([trail.changes, change[None]])[-MAX_POINTS:]
    return Trail(run_id, step, network, steps, changes)
