"""TensorFlow's environment, declared once (nnviz/tensorflow_env.py)."""

import ast
from pathlib import Path

from nnviz import tensorflow_env

ROOT = Path(__file__).resolve().parents[1]


def test_the_quiet_subset_sets_only_the_log_level_and_keeps_a_hosts_choice():
    fresh, host = {}, {"TF_CPP_MIN_LOG_LEVEL": "0"}
    tensorflow_env.apply(tensorflow_env.QUIET, fresh)
    tensorflow_env.apply(tensorflow_env.QUIET, host)
    assert fresh == {"TF_CPP_MIN_LOG_LEVEL": "2"}
    assert host == {"TF_CPP_MIN_LOG_LEVEL": "0"}


def test_no_other_module_names_a_tensorflow_variable():
    """The variables are spelled out in one place; everywhere else asks tensorflow_env to set them."""
    spelled = []
    for path in [*ROOT.glob("nnviz/**/*.py"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("scripts/*.py"),
                 ROOT / "app.py", ROOT / "tests/conftest.py"]:
        if path.name == "tensorflow_env.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("TF_"):
                spelled.append(f"{path.relative_to(ROOT)}: {node.value}")
    assert spelled == []
