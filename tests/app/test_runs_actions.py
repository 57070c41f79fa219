"""The active model's .keras download: a model read from a file is that file, without building one."""

from streamlit.testing.v1 import AppTest


def script():
    import copy

    import streamlit as st

    from nnviz import data
    from nnviz.app import model_choice, runs_actions, session
    from nnviz.app.resources import default_network

    class Store:
        def model_bytes(self, run_id):
            return f"the file of {run_id}".encode()

    default = default_network()
    loaded, taught = copy.copy(default), copy.copy(default)
    got = {"default": runs_actions.keras_download(default, Store(), None)()
           == data.asset_path(data.DEFAULT_MODEL_FILE).read_bytes()}
    model_choice.set_active_network("saved run “a”", loaded, "r1")
    got["saved"] = runs_actions.keras_download(loaded, Store(), None)()
    got["not the active one"] = runs_actions.keras_download(taught, Store(), None).func.__name__
    model_choice.set_active_network("taught on your digit", taught)
    built = runs_actions.keras_download(taught, Store(), None)
    got["taught"] = (built.func.__name__, built.args[0] is taught)
    model_choice.set_active_network("saved run “a”", loaded, "r1")
    model_choice.use_training_run()
    got["after Train"] = session.chosen_run()
    st.write(repr(got))


def test_a_saved_run_or_the_default_downloads_as_its_own_file_and_only_other_models_are_built():
    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    assert eval(at.markdown[0].value) == {  # noqa: S307 - the repr the script itself wrote
        "default": True, "saved": b"the file of r1", "not the active one": "keras_file",
        "taught": ("keras_file", True), "after Train": None}
