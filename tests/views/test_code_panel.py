"""Get the code on the Runs & models page (AppTest): hidden until asked, then the picked saved run's code with its
own settings, and the model in use's: the live run's settings, a made-active network's, or the default's, said."""

import ast
import math

import pytest

from nnviz import code_export, data, training
from nnviz.app import code_panel, session
from nnviz.run_store import RunStore
from nnviz.settings import Settings

PAGE = "views/runs.py"
STOPPED = Settings(width=16, train_size=500, epochs=0, batch_size=32, seed=5)  # trains until stopped
NAME = '"); import os; os.system("x") # **bold** [link](http://x)'


@pytest.fixture(scope="module")
def stopped():
    """(trainer, record, network) of a real run stopped after 20 steps (1.25 epochs), its trainer still open."""
    trainer = training.Trainer(data.load_sample(), STOPPED, training.Pool(1))
    try:
        trainer.wait_for(lambda s: s.status == "ready", 60)
        trainer.play()
        trainer.wait_for(lambda s: s.step >= 20, 120)
        snap = trainer.stop()
        snap = trainer.wait_for(lambda s: s.ended and s.evaluation is not None, 60)
        yield trainer, trainer.records[0], snap.network
    finally:
        trainer.close()


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("NNVIZ_RUNS_DIR", str(tmp_path / "runs"))
    return RunStore(tmp_path / "runs")


def shown_code(at) -> list[str]:
    return [c.value.rstrip("\n") for c in at.get("code")]  # st.code drops the last newline


def downloads(at) -> set[str]:
    return {d.label for d in at.get("download_button")}


def constants(source: str) -> dict:
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(source).body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)}


CODE_DOWNLOADS = {"Download the script (.py)", "Download the notebook (.ipynb)", "Download the sample (1.7 MB)"}


def test_the_default_models_code_is_hidden_until_asked_and_says_how_the_default_was_trained(open_page, store):
    at = open_page(PAGE)
    assert not at.exception and not shown_code(at) and not downloads(at) & CODE_DOWNLOADS
    at.toggle(key="code_active").set_value(True).run()
    assert not at.exception
    [code] = shown_code(at)
    assert code == code_export.script(Settings(), name="pretrained default").rstrip("\n")
    assert downloads(at) >= CODE_DOWNLOADS
    said = [m.value for m in at.markdown]
    assert any("scripts/train_default.py" in m and "not the same one" in m for m in said)
    assert not any("the run's accuracy" in m for m in said)  # it is not the default's own run


def test_a_saved_runs_code_has_its_settings_and_keeps_its_name_out_of_the_code(open_page, store, stopped):
    _, record, net = stopped
    run_id = store.save(record, net)
    store.rename(run_id, NAME)
    run = store.get(run_id)
    at = open_page(PAGE)
    assert not shown_code(at)
    at.toggle(key="code_run").set_value(True).run()
    assert not at.exception
    [code] = shown_code(at)
    compile(code, code_export.SCRIPT_FILE, "exec")
    values = constants(code)
    assert 1 < run.epochs < 2 and values["EPOCHS"] == math.ceil(run.epochs) == 2  # trained until stopped
    assert (values["SEED"], values["TRAIN_SIZE"], values["DATA"]) == (5, 500, "sample") and "Dense(16," in code
    assert not [line for line in code.splitlines() if "os.system" in line and not line.startswith("# nnviz run: ")]
    assert any("as many as it ran" in c.value for c in at.caption)
    intro = [m.value for m in at.markdown if "The code of the saved run" in m.value]
    assert intro and "\\*\\*bold\\*\\*" in intro[0] and "\\[link\\]" in intro[0]  # the name shown literally
    assert downloads(at) >= CODE_DOWNLOADS
    assert any("same order as nnviz's trainer" in m.value for m in at.markdown)


def test_the_live_runs_code_has_the_runs_settings(open_page, store, stopped):
    trainer, _, _ = stopped
    at = open_page(PAGE, **{session.TRAINER: trainer, session.LIVE_RUN: True})
    at.toggle(key="code_active").set_value(True).run()
    assert not at.exception
    [code] = shown_code(at)
    snap = trainer.snapshot
    assert code == code_export.script(snap.settings, epochs=math.ceil(snap.epoch), name=snap.name).rstrip("\n")


def test_a_loaded_saved_runs_code_has_that_runs_settings_not_the_train_pages(open_page, store, stopped):
    _, record, net = stopped
    other = store.save(record, net, name="the same run, saved again")  # same weights, another run
    run_id = store.save(record, net)
    store.rename(run_id, "my run")
    at = open_page(PAGE)
    at.button[[b.label for b in at.button].index("Make it the active model")].click().run()
    assert not at.exception and at.session_state[session.NETWORK][0].startswith("saved run “my run”")
    store.rename(run_id, "renamed after loading")  # the label still says "my run": the run's id tells it
    at.toggle(key="code_active").set_value(True).run()
    assert not at.exception
    run = store.get(run_id)
    codes = shown_code(at)
    assert run.name == "renamed after loading"
    expected = code_export.script(run.settings, epochs=math.ceil(run.epochs), name=run.name).rstrip("\n")
    assert expected in codes and constants(expected)["SEED"] == 5 != Settings().seed  # the run's, not the page's
    assert not any("Train page's current settings" in m.value for m in at.markdown)
    assert any("the model in use, with all its settings" in m.value for m in at.markdown)
    store.delete(run_id)
    at.run()  # the loaded run is gone: its network stays in use, with the Train page's settings
    assert not at.exception
    assert any("Train page's current settings" in m.value for m in at.markdown)
    store.delete(other)


def test_a_made_active_models_code_has_its_network_and_the_train_pages_settings(open_page, store, stopped):
    _, _, net = stopped
    at = open_page(PAGE, **{session.NETWORK: ("uploaded model (width 16)", net)})
    at.toggle(key="code_active").set_value(True).run()
    assert not at.exception
    [code] = shown_code(at)
    assert "Dense(16," in code and constants(code)["SEED"] == Settings().seed  # the Train page's (default) seed
    assert any("does not carry the model's weights" in m.value for m in at.markdown)


def test_the_sample_download_is_the_bundled_file():
    assert code_panel._sample_bytes() == data.asset_path(data.SAMPLE_FILE).read_bytes()
