"""A real OpenID Connect provider on loopback (the oidc-provider-mock package), and the secrets.toml that
points a served nnviz at it: for the tests of Streamlit's login (st.login) with private runs."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

CLIENT_ID, CLIENT_SECRET = "nnviz-test", "nnviz-test-secret"


@contextlib.contextmanager
def provider(users: dict[str, dict]) -> Iterator[str]:
    """Serve a provider on a free 127.0.0.1 port until the block ends; yield its issuer URL.

    users: subject → claims (email, name). Each can sign in with one click on the provider's form.
    """
    import oidc_provider_mock
    import werkzeug.serving

    known = [oidc_provider_mock.User(sub=sub, claims=claims) for sub, claims in users.items()]
    app = oidc_provider_mock.app(user_claims=known)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def secrets_toml(folder: Path, issuer: str, teachers: list[str]) -> Path:
    """Write a secrets.toml with Streamlit's [auth] for issuer and nnviz's teachers list; return its path.
    {port} is Streamlit's own placeholder for the port the app serves on."""
    path = folder / "secrets.toml"
    path.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        "\n[nnviz]\n"
        f"teachers = [{', '.join(repr(t) for t in teachers)}]\n".replace("'", '"'))
    return path


def sign_in(page, app_url: str, subject: str) -> None:
    """Sign in on the app's sign-in screen as subject, with the provider's form, and come back signed in."""
    page.goto(f"{app_url}/runs")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=subject, exact=True).click()  # the provider's one-click user
    page.wait_for_url(f"{app_url}/**", timeout=60_000)
