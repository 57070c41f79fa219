"""Debian's nginx on loopback in front of several app servers, with the project's own config
(docs/nginx.conf filled in), in a temporary prefix of its own: started and stopped by a test."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support import harness

TEMPLATE = ROOT / "docs" / "nginx.conf"


def binary() -> str:
    """nginx's path; fails under CI=true, else skips, when there is none."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("The two-servers test must run on CI: no nginx (apt-get install -y nginx)")
        pytest.skip("no nginx: apt-get install -y nginx")
    return found


def render(listen: str, backends: list[str]) -> str:
    """docs/nginx.conf with its two placeholders filled in, as README tells a host to."""
    servers = " ".join(f"server {b};" for b in backends)
    return TEMPLATE.read_text().replace("@LISTEN@", listen).replace("@BACKENDS@", servers)


@dataclass(frozen=True)
class Proxy:
    url: str
    access_log: Path

    def log(self) -> list[tuple[str, str, str]]:
        """(browser key, server, request line) of every request nginx has finished."""
        rows = []
        for line in self.access_log.read_text().splitlines():
            key, server, _status, request = line.split(" ", 3)
            rows.append((key, server, request.strip('"')))
        return rows


@contextlib.contextmanager
def proxy(backend_urls: list[str], timeout: float = 30) -> Iterator[Proxy]:
    """nginx on a free 127.0.0.1 port in front of backend_urls ("http://127.0.0.1:PORT"), until the block ends."""
    nginx = binary()
    prefix = Path(tempfile.mkdtemp(prefix="nnviz-nginx-"))
    prefix.chmod(0o755)  # run as root, nginx's workers run as another user: they must reach their temp folders
    (prefix / "logs").mkdir()
    port = harness.free_port()
    (prefix / "nginx.conf").write_text(render(f"127.0.0.1:{port}", [u.split("://", 1)[1] for u in backend_urls]))
    output = open(prefix / "logs" / "output.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([nginx, "-p", f"{prefix}/", "-c", "nginx.conf", "-e", "logs/error.log",
                             "-g", "daemon off;"], stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError, urllib.error.URLError):
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                logs = "".join(p.read_text() for p in sorted((prefix / "logs").glob("*.log")))
                raise RuntimeError(f"nginx did not start: {logs[-2000:]}")
            time.sleep(0.1)
        yield Proxy(url, prefix / "logs" / "access.log")
    finally:
        proc.send_signal(signal.SIGTERM)  # fast shutdown: open websockets are closed, not waited for
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        output.close()
        shutil.rmtree(prefix, ignore_errors=True)
