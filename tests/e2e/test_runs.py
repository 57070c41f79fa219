"""Saved runs survive a server restart: train in the browser, rename and download the run, stop the
server, start a new one on the same runs folder, and find the run there and load it."""

import numpy as np

from nnviz import model_io
from nnviz.run_store import RunStore
from tests.e2e import harness

TINY = "train_size=100&width=16&epochs=1&batch_size=16"


def click(page, text):
    page.locator("button").filter(has_text=text).first.click()
    harness.wait_for_app(page)


def open_runs_page(page, url):
    page.goto(f"{url}/runs")
    page.get_by_role("heading", name="Runs & models").wait_for(timeout=90_000)
    harness.wait_for_app(page)


def test_a_saved_run_survives_a_server_restart(browser_context, tmp_path):
    env = {"NNVIZ_RUNS_DIR": str(tmp_path / "runs")}
    store = RunStore(tmp_path / "runs")
    page = browser_context.new_page()
    try:
        with harness.served_app(env=env) as url:
            page.goto(f"{url}/train?{TINY}")
            page.locator(".st-key-train_play button").wait_for(timeout=90_000)
            harness.wait_for_app(page)
            page.locator(".st-key-train_play button").click()
            page.get_by_text("Finished 1 epochs.").first.wait_for(timeout=90_000)
            [saved] = store.list().runs  # saved on disk as soon as it ended
            assert (saved.name, saved.status, saved.settings.width) == ("Run 1", "finished", 16)

            harness.goto_page(page, "Runs & models")
            page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
            assert page.get_by_role("combobox", name="Saved run").input_value().startswith("Run 1 · ")
            page.get_by_role("textbox", name="Name").fill("Booth demo")
            page.get_by_role("textbox", name="Name").press("Enter")
            harness.wait_for_app(page)
            click(page, "Rename")
            page.get_by_text("Renamed to").first.wait_for(timeout=30_000)
            with page.expect_download(timeout=60_000) as download:
                click(page, "Download its .keras file")
            assert download.value.suggested_filename == f"nnviz-{saved.run_id}.keras"
            with open(download.value.path(), "rb") as file:
                assert file.read() == store.model_bytes(saved.run_id)
            assert harness.exceptions_on(page) == []
        first_pid = url.pid

        with harness.served_app(env=env) as url:  # a new server process: nothing survives but the disk
            assert url.pid != first_pid
            open_runs_page(page, url)
            page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
            assert page.get_by_role("combobox", name="Saved run").input_value().startswith("Booth demo · ")
            assert page.locator('[data-testid="stMultiSelect"]').filter(has_text="Booth demo · ").count() == 1
            click(page, "Make it the active model")
            page.get_by_text("is now the model every page shows").first.wait_for(timeout=60_000)
            sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
            assert "saved run “Booth demo” (width 16)" in sidebar
            with page.expect_download(timeout=60_000) as download:  # the model in use, made into a .keras file on click
                click(page, "Download it as a .keras file")
            with open(download.value.path(), "rb") as file:
                downloaded = model_io.network_from_keras_bytes(file.read())
            saved_net = store.load(saved.run_id)[1]
            assert all(np.array_equal(getattr(downloaded, k), getattr(saved_net, k)) for k in ("w1", "b1", "w2", "b2"))
            harness.goto_page(page, "Draw")
            page.locator("main").get_by_text("Booth demo").first.wait_for(timeout=60_000)  # Draw classifies with it
            assert harness.exceptions_on(page) == []
    finally:
        page.close()
