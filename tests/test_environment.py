"""The numeric libraries' environment, declared once (nnviz/environment.py)."""

import ast
from pathlib import Path

from nnviz import environment

ROOT = Path(__file__).resolve().parents[1]


def test_the_quiet_subset_sets_only_the_log_level_and_keeps_a_hosts_choice():
    fresh, host = {}, {"TF_CPP_MIN_LOG_LEVEL": "0"}
    environment.apply(environment.QUIET, fresh)
    environment.apply(environment.QUIET, host)
    assert fresh == {"TF_CPP_MIN_LOG_LEVEL": "2"}
    assert host == {"TF_CPP_MIN_LOG_LEVEL": "0"}


def test_no_other_module_names_one_of_the_variables():
    """The variables are spelled out in one place; everywhere else asks environment to set them."""
    spelled = []
    for path in [*ROOT.glob("nnviz/**/*.py"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("scripts/*.py"),
                 ROOT / "app.py", ROOT / "tests/conftest.py"]:
        if path.name == "environment.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and str(node.value).startswith(("TF_", "OPENBLAS_")):
                spelled.append(f"{path.relative_to(ROOT)}: {node.value}")
    assert spelled == []
