"""Who is using this session: the one local user, or whoever signed in with Streamlit's own login.

Login is on when the host configures Streamlit's authentication: an [auth] section in secrets.toml
(OpenID Connect; see README "Serving a class"). Teachers are listed by email in secrets.toml,

    [nnviz]
    teachers = ["teacher@school.example"]

or in env NNVIZ_TEACHERS (comma-separated). Without [auth], nobody signs in and there is no login screen.
"""

from __future__ import annotations

import logging
import os

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from nnviz import access
from nnviz.access import LOCAL, User

TEACHERS_ENV = "NNVIZ_TEACHERS"
LOG = logging.getLogger("nnviz.identity")


def _secrets(section: str) -> dict:
    """A section of secrets.toml, or {} when there is no such section or no secrets file at all."""
    try:
        value = st.secrets.get(section)
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return {}
    return dict(value) if hasattr(value, "keys") else {}


def login_configured() -> bool:
    return bool(_secrets("auth"))


def teachers() -> frozenset[str]:
    """The teachers' emails, lower-cased, from secrets.toml's [nnviz] teachers and env NNVIZ_TEACHERS."""
    listed = _secrets("nnviz").get("teachers", [])
    listed = [listed] if isinstance(listed, str) else list(listed)
    listed += os.environ.get(TEACHERS_ENV, "").split(",")
    return frozenset(t.strip().lower() for t in map(str, listed) if t.strip())


def current_user() -> User | None:
    """The local user when login is off; the signed-in user when it is on; None while nobody has signed in."""
    if not login_configured():
        return LOCAL
    if not st.user.get("is_logged_in"):
        return None
    try:
        return access.signed_in(st.user.to_dict(), teachers())
    except ValueError:
        LOG.warning("a sign-in gave neither an email nor a subject id: treated as signed out")
        return None


def sign_in() -> None:
    try:
        st.login()
    except Exception:  # noqa: BLE001 - e.g. Authlib missing or [auth] incomplete: the host's to fix, not the user's
        LOG.exception("cannot start the sign-in")
        st.session_state["identity_error"] = "Signing in does not work on this server yet: tell whoever runs it."


def require_user() -> User:
    """This session's user. While nobody has signed in (login on), show the sign-in screen instead of the
    page and stop it there."""
    user = current_user()
    if user is not None:
        return user
    st.title("Sign in")
    st.write("This nnviz server keeps each person's training runs private to them. Sign in to train, "
             "and to see your runs and the ones your class shares.")
    if message := st.session_state.pop("identity_error", None):
        st.error(message)
    st.button("Sign in", on_click=sign_in, type="primary", icon=":material/login:", key="identity_sign_in")
    st.stop()


def account_controls() -> None:
    """Who is signed in, and a way to sign out (nothing when login is off). For the line above every page."""
    user = current_user()
    if user is None or user.local:
        return
    role = " (teacher: you see every run)" if user.teacher else ""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="identity_account"):
        st.caption(f"Signed in as **{_plain(user.name)}**{role}", width="content")
        st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="identity_sign_out")


def _plain(text: str) -> str:
    """A name from the identity provider, shown literally in Markdown."""
    return "".join(f"\\{c}" if c in "\\`*_{}[]<>#!|~$:&" else c for c in text)
