"""Past one server, for real: two nnviz servers behind Debian's nginx (docs/nginx.conf, cookie stickiness),
sharing one runs folder. A run saved through one server shows through the other, a rename through the
other shows back on the first, and every request of a browser, its websocket and reruns included, goes to
the server it first reached."""

from __future__ import annotations

import collections
import contextlib
import re
import secrets
import time

from nnviz.run_store import RunStore
from tests.support import browsers, harness, nginx

TINY = "train_size=100&width=16&epochs=1&batch_size=16"
STREAM = "/_stcore/stream"  # Streamlit's websocket: every rerun of a session goes over it


def open_runs(page, url: str) -> str:
    """Open the Runs page through the proxy; return the server that answered."""
    response = page.goto(f"{url}/runs")
    page.get_by_role("heading", name="Runs & models").wait_for(timeout=90_000)
    harness.wait_for_app(page)
    return response.headers["x-nnviz-server"]


def picked_name(page) -> str:
    return page.get_by_role("combobox", name="Saved run").input_value().split(" · ")[0]


def test_two_servers_behind_nginx_share_the_runs_and_keep_each_browser_on_its_server(tmp_path):
    runs = tmp_path / "runs"
    # One cookie secret for all servers, as README says (Streamlit signs its XSRF cookie with it).
    env = {"NNVIZ_RUNS_DIR": str(runs), "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(harness.served_app(env=env)) for _ in range(2)]
        backends = {s.split("://", 1)[1] for s in servers}
        proxy = stack.enter_context(nginx.proxy(servers))
        browser = stack.enter_context(browsers.chromium())

        # Fresh browsers get random keys: open them until one has landed on each server (a 1 in 2^19 chance
        # that twenty in a row land on the same one).
        on, others = {}, stack.enter_context(contextlib.ExitStack())  # closed before the browser
        for _ in range(20):
            page = others.enter_context(browsers.person(browser))
            on.setdefault(open_runs(page, proxy.url), page)
            if set(on) == backends:
                break
        assert set(on) == backends, "nginx sent every new browser to one server"
        first, second = (on[b] for b in sorted(backends))

        # A run trained and saved through the first server...
        response = first.goto(f"{proxy.url}/train?{TINY}")
        assert response.headers["x-nnviz-server"] == sorted(backends)[0]
        first.locator(".st-key-train_play button").wait_for(timeout=90_000)
        harness.wait_for_app(first)
        first.locator(".st-key-train_play button").click()
        first.get_by_text(re.compile(r"Finished 1 epochs?\.")).first.wait_for(timeout=120_000)
        [saved] = RunStore(runs).list().runs

        # ...shows through the second, which renames it...
        assert open_runs(second, proxy.url) == sorted(backends)[1]
        assert picked_name(second) == "Run 1"
        second.get_by_role("textbox", name="Name").fill("Renamed on the other server")
        second.get_by_role("textbox", name="Name").press("Enter")
        harness.wait_for_app(second)
        second.locator("button").filter(has_text="Rename").first.click()
        second.get_by_text("Renamed to").first.wait_for(timeout=30_000)

        # ...and the first sees the new name after reruns on its own websocket (and after a reload).
        harness.goto_page(first, "Runs & models")
        for metric in ("loss", "accuracy", "loss"):
            first.get_by_test_id("stRadioGroup").get_by_text(metric, exact=True).click()
            harness.wait_for_app(first)
        assert picked_name(first) == "Renamed on the other server"
        assert open_runs(first, proxy.url) == sorted(backends)[0]
        assert RunStore(runs).get(saved.run_id).name == "Renamed on the other server"
        for page in (first, second):
            assert harness.exceptions_on(page) == []

        keys = {page: page.context.cookies(proxy.url) for page in (first, second)}
        others.close()  # every browser closes: nginx logs their websockets as they end

        # Every request of each browser, websockets included, went to one server only.
        cookie = {page: next(c["value"] for c in jar if c["name"] == "nnviz_server") for page, jar in keys.items()}
        deadline = time.monotonic() + 30
        while True:
            log = proxy.log()
            streams = collections.Counter(key for key, _, request in log if STREAM in request)
            if all(streams[cookie[p]] >= 2 for p in (first, second)) or time.monotonic() > deadline:
                break
            time.sleep(0.2)  # waiting for nginx to write the closed websockets' lines, not for the app
        served = collections.defaultdict(set)
        for key, server, _ in log:
            served[key].add(server)
        assert served[cookie[first]] == {sorted(backends)[0]} and served[cookie[second]] == {sorted(backends)[1]}
        assert streams[cookie[first]] >= 2 and streams[cookie[second]] >= 2  # a websocket per page load
        assert all(len(where) == 1 for where in served.values())  # so did every other browser's
