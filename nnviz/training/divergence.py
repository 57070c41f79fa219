"""When a run has failed to learn: its loss blew up (diverged), or it stopped getting anywhere (stalled)."""

from __future__ import annotations

import math

import numpy as np

from nnviz.training.messages import plural

DIVERGED_LOSS = 1000.0            # chance level is ln 10 ≈ 2.3; a loss of 1,000 has blown up
CHANCE_LOSS = math.log(10)        # the loss of guessing all ten digits equally: ≈ 2.3
CHANCE_ACCURACY = 0.2             # validation accuracy at most this after an epoch: still guessing (chance is 0.1)
JUDGE_AFTER_STEPS = 100           # too early to call a run stalled before this many steps
STUCK_LOSS = 1.0                  # a plateau above this loss is stuck (a trained network gets below 0.3)


def divergence(losses: np.ndarray) -> str | None:
    """Why a chunk's batch losses mean the run diverged, or None.

    NaN or infinity is divergence by definition. Adam rarely gets there (its steps have a bounded
    size), but a too-large learning rate sends the loss into the thousands, which is just as hopeless.
    """
    losses = np.asarray(losses)
    if not np.isfinite(losses).all():
        return "the loss became NaN or infinite"
    if losses.size and losses.max() > DIVERGED_LOSS:
        return f"the loss exploded to {losses.max():,.0f} (guessing at random gives 2.3)"
    return None


def diverged_at(losses: np.ndarray) -> int | None:
    """The position of the first batch loss that counts as divergence (see divergence), or None."""
    bad = ~np.isfinite(losses) | (np.nan_to_num(losses, nan=np.inf) > DIVERGED_LOSS)
    return int(np.argmax(bad)) if bad.any() else None


def stalled(step: int, epoch_losses, epoch_val_accuracies) -> str | None:
    """Why a run that has not diverged has stopped learning, judged at the end of an epoch, or None.

    A too-large learning rate can leave the loss high but finite (sigmoid at learning rate 10 sits
    near 195, far below DIVERGED_LOSS) or stuck on a high plateau: training goes on and gets nowhere.
    Judged only after a full epoch and JUDGE_AFTER_STEPS steps, so a young run is never blamed; a
    plateau counts only above STUCK_LOSS, since a run that has learned also levels off.
    """
    losses, accuracies = list(epoch_losses), list(epoch_val_accuracies)
    if not losses or step < JUDGE_AFTER_STEPS:
        return None
    epochs = plural(len(losses), "epoch")
    if accuracies and accuracies[-1] <= CHANCE_ACCURACY:
        return f"after {epochs} it is right on only {accuracies[-1]:.0%} of the validation digits, " \
               "about as often as guessing (10%)"
    if losses[-1] > CHANCE_LOSS:
        return f"after {epochs} its loss is {losses[-1]:,.1f}, worse than guessing at random (2.3)"
    if len(losses) >= 4 and min(losses[-3:]) >= 0.99 * min(losses[:-3]) and losses[-1] > STUCK_LOSS:
        return f"its loss has not improved for 3 epochs (still {losses[-1]:,.2f})"
    return None
