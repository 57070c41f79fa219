"""Saved runs in the browser: they survive a server restart (train, rename, download, restart, load); runs
are picked, renamed and deleted by id even when two share a name and a minute; a rename never breaks the page."""

import re

import numpy as np
import pytest

from nnviz import model_io
from nnviz.run_store import RunStore
from tests.support import harness
from tests.views import test_runs as views

TINY = "train_size=100&width=16&epochs=1&batch_size=16"
trained = views.trained  # a fixture: a real, finished one-epoch run


def click(page, text):
    page.locator("button").filter(has_text=text).first.click()
    harness.wait_for_app(page)


@pytest.fixture
def trained_runs(tmp_path, trained):
    """A runs folder holding "Run 1" and, newer, "Second"."""
    store = RunStore(tmp_path / "runs")
    store.save(*trained)
    store.rename(store.save(*trained), "Second")
    return store.root


def rename(page, name):
    """Type a new name for the picked run and press Rename."""
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Name").press("Enter")
    harness.wait_for_app(page)
    click(page, "Rename")
    page.get_by_text("Renamed to").first.wait_for(timeout=30_000)


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
            page.get_by_text(re.compile(r"Finished 1 epochs?\.")).first.wait_for(timeout=90_000)
            [saved] = store.list().runs  # saved on disk as soon as it ended
            assert (saved.name, saved.status, saved.settings.width) == ("Run 1", "finished", 16)

            harness.goto_page(page, "Runs & models")
            page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
            assert page.get_by_role("combobox", name="Saved run").input_value().startswith("Run 1 · ")
            rename(page, "Booth demo")
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
            sidebar = harness.header_text(page)
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


def test_renaming_an_overlaid_run_then_clicking_on_shows_no_error(browser_context, tmp_path, trained_runs):
    """The browser keeps a picker's choice as its label text: after a rename, the next click used to send a
    label that no option had any more, and the page crashed with a TypeError (issue 12 defect 2)."""
    env = {"NNVIZ_RUNS_DIR": str(trained_runs)}
    store = RunStore(trained_runs)
    newer, older = (r.run_id for r in store.list().runs)
    page = browser_context.new_page()
    try:
        with harness.served_app(env=env) as url:
            open_runs_page(page, url)
            page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
            assert page.get_by_role("combobox", name="Saved run").input_value().startswith("Second · ")
            rename(page, "Renamed")
            page.get_by_text("loss", exact=True).click()  # clicking anything after the rename
            harness.wait_for_app(page)
            click(page, "Delete")
            page.get_by_text("for good?").first.wait_for(timeout=30_000)
            assert harness.exceptions_on(page) == []
            assert store.get(older).name == "Run 1" and store.get(newer).name == "Renamed"
            legend = page.locator(".js-plotly-plot").first.locator(".legendtext").all_text_contents()
            # Entries read "<run>: training" / "<run>: validation"; runs with distinct names are named alone.
            assert {entry.rsplit(": ", 1)[0] for entry in legend} == {"Renamed", "Run 1"}
            assert str(trained_runs) not in page.locator("main").inner_text()  # no server path either
    finally:
        page.close()


def test_two_runs_with_the_same_name_and_minute_are_picked_renamed_and_deleted_by_id(browser_context, tmp_path,
                                                                                    trained):
    """Every session's first run is "Run 1": two saved in the same minute used to share one picker label, so
    the picker could not stay on the second, and Rename and Delete acted on the other one (issue 13 item 1)."""
    store = RunStore(tmp_path / "runs")
    narrow, wide = views.twins(store, trained)
    page = browser_context.new_page()
    try:
        with harness.served_app(env={"NNVIZ_RUNS_DIR": str(store.root)}) as url:
            open_runs_page(page, url)
            picker = page.get_by_role("combobox", name="Saved run")
            picker.click()
            options = page.get_by_role("option").all_inner_texts()
            assert len(options) == 2 and len(set(options)) == 2 and all(o.startswith("Run 1 · ") for o in options)
            wide_label = next(o for o in options if o.endswith(wide.rsplit("-", 1)[1][:4]))
            page.get_by_role("option", name=wide_label).click()
            harness.wait_for_app(page)
            assert picker.input_value() == wide_label
            page.get_by_text("width 24", exact=False).first.wait_for(timeout=30_000)
            rename(page, "Wide one")
            assert (store.get(wide).name, store.get(narrow).name) == ("Wide one", "Run 1")
            assert picker.input_value().startswith("Wide one · ")  # still on the run it showed
            click(page, "Delete")
            page.get_by_text("Delete “Wide one” for good?").first.wait_for(timeout=30_000)
            click(page, "Yes, delete")
            page.get_by_text("was deleted").first.wait_for(timeout=30_000)
            assert [r.run_id for r in store.list().runs] == [narrow]
            assert harness.exceptions_on(page) == []
    finally:
        page.close()
