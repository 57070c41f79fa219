"""Every process-wide change nnviz makes (nnviz/app/runtime.py): TensorFlow's environment and the GC policy."""

import gc
import os
import sys
import types

import pytest
from streamlit import config

from nnviz.app import runtime


@pytest.fixture
def fresh_process(monkeypatch):
    """runtime as in a process that has not configured or settled anything yet."""
    monkeypatch.setattr(runtime, "_configured", False)
    monkeypatch.setattr(runtime, "_modules_settled", 0)


def test_the_environment_is_set_and_a_hosts_choice_kept():
    fresh, host = {}, {"TF_NUM_INTRAOP_THREADS": "4"}
    runtime.environment_variables(fresh)
    runtime.environment_variables(host)
    assert fresh == {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_NUM_INTRAOP_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    assert host == {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_NUM_INTRAOP_THREADS": "4", "OPENBLAS_NUM_THREADS": "1"}


def test_configure_sets_tensorflows_environment_once(fresh_process, monkeypatch):
    for name in runtime.ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    runtime.configure()
    assert {n: os.environ[n] for n in runtime.ENVIRONMENT} == runtime.ENVIRONMENT
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS")
    runtime.configure()  # app.py calls it on every run: later calls change nothing
    assert "TF_NUM_INTRAOP_THREADS" not in os.environ


def test_the_heap_is_frozen_again_only_when_modules_were_loaded(fresh_process, monkeypatch):
    settled = []
    monkeypatch.setattr(runtime, "_settle", lambda thaw: settled.append(thaw))
    assert runtime.settle_heap() and settled == [False]          # the first page's modules: frozen, never thawed
    assert not runtime.settle_heap() and len(settled) == 1        # nothing new: no collection at all
    monkeypatch.setitem(sys.modules, "a_module_a_page_imported", types.ModuleType("a_module_a_page_imported"))
    assert runtime.settle_heap() and len(settled) == 2


def test_after_settling_a_full_collection_walks_only_new_objects(fresh_process):
    """The measured policy: freeze the loaded heap, and no full collection after every run (a class's sessions
    made each one cost 10-13 ms); Python's own collections, when they come, then walk only what is new."""
    assert config.get_option("runner.postScriptGC") is False   # set in .streamlit/config.toml
    loaded = [[i] for i in range(50_000)]  # as modules and caches load objects that live on
    gc.unfreeze()
    try:
        runtime.settle_heap()
        assert gc.get_freeze_count() > len(loaded)
        assert len(gc.get_objects()) < gc.get_freeze_count() / 10  # what a full collection would still walk
    finally:
        gc.unfreeze()  # leave other tests a normal heap
