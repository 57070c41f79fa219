"""The run as code: the exported script is clean Python, builds nnviz's own model, keeps a run's name out of
its code, and, run in a subprocess on the bundled sample, reproduces the accuracy of the same run in the app."""

import ast
import json
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from nnviz import code_export, data, model, network
from nnviz.settings import SPEC, Settings
from nnviz.training import Pool, Trainer
from nnviz.training.split import held_out_split
from tests.conftest import ROOT

SAMPLE = str(data.asset_path(data.SAMPLE_FILE))
DEEP = Settings(dropout=0.3, activation="tanh", learning_rate=3e-05, batch_size=64, epochs=7, seed=42,
                train_size=2_000, dataset="full").replace(widths=(256, 64, 16))
INJECTION = '"); import os; os.system("x") #'


def constants(source: str) -> dict:
    """The script's top-level NAME = literal assignments."""
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(source).body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)}


@pytest.mark.parametrize("settings", [Settings(), DEEP], ids=["default", "deep"])
def test_the_script_passes_ruff_and_py_compile_and_holds_the_settings(settings, tmp_path):
    path = tmp_path / code_export.SCRIPT_FILE
    path.write_text(code_export.script(settings, name="My first run"))
    compiled = subprocess.run([sys.executable, "-m", "py_compile", str(path)], capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr
    linted = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                             str(ROOT / "pyproject.toml"), str(path)], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout
    values = constants(path.read_text())
    assert values == {"ACTIVATION": settings.activation, "DROPOUT": settings.dropout,
                      "LEARNING_RATE": settings.learning_rate, "BATCH_SIZE": settings.batch_size,
                      "EPOCHS": settings.epochs, "TRAIN_SIZE": settings.train_size, "SEED": settings.seed,
                      "DATA": "sample" if settings.dataset == "sample" else "mnist",
                      "SAMPLE_FILE": data.SAMPLE_FILE, "MODEL_FILE": code_export.MODEL_FILE}
    assert "# nnviz run: My first run" in path.read_text()


def test_the_notebook_is_valid_nbformat_and_runs_the_same_code():
    text = code_export.notebook(DEEP, name="Notebook run")
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4 and json.loads(text)["nbformat_minor"] == 5
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == len(code_export.SECTIONS)
    assert [c.cell_type for c in notebook.cells[:3]] == ["markdown", "markdown", "code"]
    joined = "\n\n".join(code)
    script = ast.parse(code_export.script(DEEP, name="Notebook run")).body
    assert isinstance(script[0], ast.Expr)  # the script's docstring: the notebook's first Markdown cell instead
    assert ast.dump(ast.parse(joined)) == ast.dump(ast.Module(script[1:], []))


def built_by_script(settings: Settings):
    """The model the script builds (its steps up to training, run here on the bundled sample)."""
    source = code_export.script(settings, data="sample", sample_file=SAMPLE)
    before_training = source[:source.index("# 4. Train")]
    namespace = {}
    exec(compile(before_training, code_export.SCRIPT_FILE, "exec"), namespace)  # noqa: S102 - our own template
    return namespace


@pytest.mark.parametrize("activation", SPEC["activation"].choices)
@pytest.mark.parametrize("widths", [(48,), (40, 24, 16)], ids=["depth1", "depth3"])
def test_the_script_builds_the_apps_model(widths, activation):
    settings = Settings(activation=activation, dropout=0.25, seed=9, train_size=300).replace(widths=widths)
    namespace = built_by_script(settings)
    scripted = namespace["model"]
    ours = model.build_model(settings.widths, settings.dropout, settings.activation, settings.learning_rate,
                             seed=settings.seed)
    assert scripted.name == ours.name
    assert [(layer.name, type(layer).__name__, tuple(layer.output.shape), layer.count_params())
            for layer in scripted.layers] == [(layer.name, type(layer).__name__, tuple(layer.output.shape),
                                               layer.count_params()) for layer in ours.layers]
    assert scripted.count_params() == ours.count_params()
    assert all(np.array_equal(a, b)  # the same seeded starting weights
               for a, b in zip(scripted.get_weights(), ours.get_weights(), strict=True))
    assert model.to_network(scripted).activation == activation
    assert scripted.optimizer.learning_rate.numpy() == pytest.approx(settings.learning_rate)
    assert type(scripted.loss).__name__ == type(ours.loss).__name__ and scripted.loss.from_logits
    assert namespace["x_train"].shape == (300, 28, 28) and namespace["x_train"].dtype == np.float32
    assert len(namespace["y_val"]) + len(namespace["y_test"]) == 2_000  # the sample's test digits, split in two


def test_a_run_name_is_never_code():
    for export in (code_export.script, code_export.notebook):
        text = export(Settings(), name=INJECTION + "\nimport sys\r\x00")
        source = text if export is code_export.script else "\n".join(
            c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code")
        tree = ast.parse(source)  # still compiles
        compile(source, "run", "exec")
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                    for alias in node.names}
        assert imported == {"os", "keras", "numpy"}  # os: the script's own check that the sample file is there
        calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        assert not {call for call in calls if "system" in call or call == "sys"}
        named = [line for line in source.splitlines() if "import os" in line and line != "import os"]
        assert len(named) == 1 and named[0].startswith("# nnviz run: ") and "\x00" not in source
        assert all(line.startswith("# nnviz run: ") for line in source.splitlines() if "import sys" in line)


def test_forged_or_out_of_range_values_are_refused():
    forged = Settings()
    object.__setattr__(forged, "activation", 'relu"); import os; os.system("x")  #')
    with pytest.raises(ValueError, match="activation"):
        code_export.script(forged)
    with pytest.raises(ValueError, match="data"):
        code_export.script(Settings(), data="../../etc")
    with pytest.raises(ValueError, match="epochs"):
        code_export.script(Settings(), epochs=0)


def test_a_run_that_trained_until_stopped_exports_the_epochs_it_trained():
    until_stopped = Settings(epochs=0)
    assert code_export.export_epochs(Settings(epochs=5), trained=2.5) == 5
    assert code_export.export_epochs(until_stopped, trained=2.5) == 3
    assert code_export.export_epochs(until_stopped, trained=3.0) == 3
    assert code_export.export_epochs(until_stopped, trained=0.1) == 1
    assert code_export.export_epochs(until_stopped, trained=float("nan")) == Settings().epochs
    assert code_export.export_epochs(until_stopped) == Settings().epochs
    assert constants(code_export.script(until_stopped, epochs=3))["EPOCHS"] == 3


@pytest.mark.parametrize("settings", [
    Settings(width=64, dropout=0.2, train_size=1_000, epochs=3, batch_size=32, seed=1, dataset="sample"),
    # two layers, tanh, and a short last batch (1,500 = 31 × 48 + 12) that the trainer runs on its own
    Settings(activation="tanh", dropout=0.3, batch_size=48, train_size=1_500, epochs=2, seed=7,
             dataset="sample").replace(widths=(64, 32)),
], ids=["width64", "64-32-tanh"])
def test_the_exported_script_reproduces_the_apps_accuracy(settings, sample, tmp_path):
    """The same run in the app's trainer and as the exported script on the bundled sample: the script follows the
    trainer's batches (same permutation per epoch), so the test accuracies agree within 0.5 points (issue 17)."""
    (tmp_path / code_export.SCRIPT_FILE).write_text(code_export.script(settings, sample_file=SAMPLE))
    trainer = Trainer(sample, settings, Pool(1))  # trains in its own worker process, alongside the script
    try:
        trainer.wait_for(lambda s: s.status == "ready", 120)
        trainer.play()
        ran = subprocess.run([sys.executable, code_export.SCRIPT_FILE], cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)
        assert ran.returncode == 0, ran.stderr[-2000:]
        app = trainer.wait_for(lambda s: s.ended, 300)
    finally:
        trainer.close()
    assert app.status == "finished"
    _, test = held_out_split(len(sample.y_test))
    scripted = model.to_network(model.keras.models.load_model(tmp_path / code_export.MODEL_FILE))
    script_accuracy = float((network.predict_proba(scripted, data.as_float(sample.x_test[test])).argmax(1)
                             == sample.y_test[test]).mean())
    printed = float(ran.stdout.split("Test accuracy: ")[1].split()[0])
    assert printed == pytest.approx(script_accuracy, abs=1e-4)  # the script tests the same digits as the app
    assert app.evaluation.accuracy > 0.7 and len(app.evaluation.labels) == len(test)
    assert abs(script_accuracy - app.evaluation.accuracy) <= 0.005, (script_accuracy, app.evaluation.accuracy)
