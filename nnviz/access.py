"""Who may see and change a saved run: the user a runs store acts for, and the one pure rule, may().

A server without login has one local user, who may do everything (a learner's laptop). With login,
each run records its owner: only the owner renames, deletes or shares it; everyone may view, overlay,
load and download a run its owner shared to the class gallery; teachers may view every run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

VIEW, RENAME, DELETE, SHARE = "view", "rename", "delete", "share"  # view: list, overlay, load, download
ACTIONS = (VIEW, RENAME, DELETE, SHARE)


class Owned(Protocol):
    owner: str | None   # the owner's key; None: saved without login (or before runs had owners)
    shared: bool


@dataclass(frozen=True)
class User:
    """Whom a runs store acts for. key: what runs record as their owner (None for the one local user of
    a server without login); name: how others see the owner of a shared run."""

    key: str | None
    name: str = ""
    teacher: bool = False

    @property
    def local(self) -> bool:
        return self.key is None


LOCAL = User(None, "you")


def signed_in(claims: dict, teachers: Iterable[str] = ()) -> User:
    """The User for an OpenID Connect identity (st.user's claims). The key is the email, lower-cased (what a
    teachers list names); without an email, the provider's subject id, which no email can look like."""
    email = str(claims.get("email") or "").strip().lower()
    subject = str(claims.get("sub") or "").strip()
    if not email and not subject:
        raise ValueError("The sign-in gave neither an email nor a subject id.")
    key = email or f"subject {claims.get('provider') or 'default'} {subject}"
    name = str(claims.get("name") or email or "a signed-in user").strip()
    return User(key, name[:60], key in {t.strip().lower() for t in teachers})


def may(user: User, action: str, run: Owned) -> bool:
    """Whether user may do action (one of ACTIONS) to run."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user.local:
        return True  # one local user: everything is theirs, as before runs had owners
    own = run.owner == user.key
    if action == VIEW:
        return own or run.shared or user.teacher
    return own  # teachers see every run, but only its owner changes it
