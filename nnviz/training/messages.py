"""The plain words a run's page shows about counts and its place in line."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """'1 step', '2 steps', '1,000 steps'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def queued_message(limit: int, position: int | None) -> str:
    """What a run waiting for a training slot tells its page (position: 1 for next in line)."""
    ahead = "you are next" if position in (None, 1) else \
        f"{plural(position - 1, 'other run')} {'is' if position == 2 else 'are'} ahead of you"
    return (f"Queued: this server trains at most {plural(limit, 'run')} at once, and they are all busy; "
            f"{ahead}. Training starts by itself when a slot frees up.")
