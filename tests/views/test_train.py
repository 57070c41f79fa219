"""The Train page under AppTest: settings from the URL, start and stop, bad input, runs, the active model."""

import json
import time

import pytest
from streamlit.runtime import caching
from streamlit.testing.v1 import AppTest

from nnviz import data, network, settings
from nnviz.app import digit_choice, session
from tests.conftest import ROOT

TINY = {"train_size": "100", "width": "16", "epochs": "0", "batch_size": "16"}  # trains until stopped


@pytest.fixture(autouse=True)
def own_runs_folder(tmp_path, monkeypatch):
    """Each test saves into a folder of its own: a session's runs are numbered after the runs already
    saved, so the names these tests expect ("Run 1") hold whatever other tests saved before."""
    monkeypatch.setenv("NNVIZ_RUNS_DIR", str(tmp_path / "runs"))


@pytest.fixture
def train_page():
    """train_page(**url_params) → an AppTest that opened the Train page with those URL parameters."""
    opened = []

    def _open(**params):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params.update({k: str(v) for k, v in params.items()})
        at.switch_page("views/train.py")
        opened.append(at)
        return at.run()

    yield _open
    for at in opened:
        if session.TRAINER in at.session_state:
            at.session_state[session.TRAINER].close()


def click(at, key):
    return at.button(key=key).click().run()


def trainer(at):
    return at.session_state[session.TRAINER]


def texts(elements):
    return [e.value for e in elements]


def charts(at) -> list:
    """Every chart on the page: the live views are Vega-Lite charts, the results plotly figures."""
    return [*at.get("vega_lite_chart"), *at.get("plotly_chart")]


def test_start_then_stop_with_a_tiny_dataset_shows_charts_and_results(train_page):
    at = train_page(**TINY)
    assert not at.exception
    assert at.select_slider(key="setting_width").value == 16  # the URL's settings reached the controls
    click(at, "train_play")
    trainer(at).wait_for(lambda s: s.step >= 20, 60)
    at.run()
    assert not at.exception
    assert len(charts(at)) >= 4  # accuracy, loss, the probe digit and which layer is learning
    step_metric = next(m for m in at.metric if m.label == "Step")
    assert int(step_metric.value.replace(",", "")) >= 20
    assert at.session_state[session.LIVE_RUN]  # the run is every page's model now (see the last tests)
    click(at, "train_stop")
    assert not at.exception and trainer(at).snapshot.status == "stopped"
    assert any("stopped and was tested" in s for s in texts(at.success))
    assert [m.label for m in at.metric if m.label == "Test"] == ["Test"]
    assert len(at.session_state[session.RUNS]) == 1
    assert len(charts(at)) >= 6  # the live views, the confusion matrix and the gallery of mistakes


@pytest.mark.parametrize(("params", "expected"), [
    ({"width": "abc"}, ["hidden width `abc` is not a number"]),
    ({"width": "-5", "dropout": "NaN"}, ["hidden width `-5` is outside 8–1,024", "dropout rate `NaN` is not a number"]),
    ({"width": "99999999", "learning_rate": "1e9", "activation": "<b>x</b>"},
     ["hidden width `99999999` is outside", "learning rate `1e9` is outside", "activation `?b?x??b?` is not one of"]),
])
def test_bad_url_parameters_fall_back_to_defaults_with_a_notice(train_page, params, expected):
    at = train_page(**params)
    assert not at.exception
    warnings = texts(at.warning)
    for text in expected:
        assert any(text in w for w in warnings), (text, warnings)
    assert at.select_slider(key="setting_width").value == 128
    assert at.query_params["width"] == "128" and at.query_params["dropout"] == "0.2"  # the URL is repaired
    at.run()  # a second page run (a live refresh, say) keeps the notice: the user has not read it yet
    for text in expected:
        assert any(text in w for w in texts(at.warning)), (text, texts(at.warning))
    at.select_slider(key="setting_batch_size").set_value(64).run()  # the user acts: the notice has been seen
    assert not any("is not a number" in w or "is outside" in w for w in texts(at.warning))


def test_a_bad_link_notice_stays_until_a_button_is_pressed(train_page):
    at = train_page(width="abc", **{k: v for k, v in TINY.items() if k != "width"})
    for _ in range(3):
        at.run()
    assert any("`abc` is not a number" in w for w in texts(at.warning))
    click(at, "train_pause")
    assert not any("`abc`" in w for w in texts(at.warning))


def test_the_url_follows_the_controls(train_page):
    at = train_page(width="64", dropout="0.5", train_size="1000", seed="9")
    assert not at.warning and at.query_params["width"] == "64" and at.query_params["seed"] == "9"
    at.select_slider(key="setting_width").set_value(256).run()
    at.radio(key="setting_activation").set_value("tanh").run()
    assert (at.query_params["width"], at.query_params["activation"]) == ("256", "tanh")
    assert at.select_slider(key="setting_width").value == 256 and at.radio(key="setting_activation").value == "tanh"


def test_every_control_declares_the_links_value_not_its_first_stop(train_page):
    """A shared link: each control's declared value (what the browser shows whenever it has no value
    of its own yet) is the link's, not the slider's minimum (issue 12, defect 1)."""
    at = train_page(width="32", dropout="0.5", epochs="5", train_size="500", learning_rate="0.01", batch_size="64",
                    activation="tanh", seed="7")
    shown = {}
    for slider in at.select_slider:
        options = list(slider.proto.options)
        shown[slider.key] = [options[int(i)] for i in slider.proto.default]
    assert shown == {"setting_width": ["32"], "setting_dropout": ["0.5"], "setting_learning_rate": ["0.01"],
                     "setting_batch_size": ["64"], "setting_epochs": ["5"], "setting_train_size": ["500"]}
    assert at.radio(key="setting_activation").proto.default == 2  # tanh
    assert at.number_input(key="setting_seed").proto.default == 7
    at.run()  # a second page run (as a live refresh causes) declares the same values
    assert [list(s.proto.options)[int(s.proto.default[0])] for s in at.select_slider][:2] == ["32", "0.5"]


def test_settings_are_kept_across_pages_and_held_in_one_place(train_page):
    at = train_page(width="64", train_size="1000")
    at.select_slider(key="setting_dropout").set_value(0.5).run()
    at.switch_page("views/draw.py").run()
    at.query_params.clear()  # another page's URL has no settings
    at.switch_page("views/train.py").run()
    assert (at.select_slider(key="setting_width").value, at.select_slider(key="setting_dropout").value) == (64, 0.5)
    assert not [k for k in at.session_state if "settings" in str(k)]  # no second copy of the settings


def test_redundant_clicks_get_a_message_not_an_error(train_page):
    at = train_page(**TINY)
    click(at, "train_stop")  # Stop while nothing runs
    assert not at.exception and any("nothing to stop" in t for t in texts(at.info))
    click(at, "train_pause")
    assert any("nothing to pause" in t for t in texts(at.info))
    click(at, "train_play")
    click(at, "train_play")  # Train twice, fast
    assert not at.exception and any("Already training" in t for t in texts(at.info))
    assert trainer(at).snapshot.active and trainer(at).snapshot.name == "Run 1" and trainer(at).records == ()


def test_changing_the_width_of_a_started_run_asks_for_a_new_run(train_page):
    at = train_page(**TINY)
    click(at, "train_play")
    trainer(at).wait_for(lambda s: s.step > 5, 60)
    click(at, "train_pause")
    at.select_slider(key="setting_width").set_value(64).run()
    assert not at.exception
    assert any("You changed the hidden width" in w for w in texts(at.warning))
    assert at.button(key="train_play").disabled and at.button(key="train_step").disabled
    assert trainer(at).snapshot.settings.width == 16  # nothing was mixed into the running model
    [undo] = [b for b in at.button if b.label == "Undo my changes"]
    undo.click().run()
    assert at.select_slider(key="setting_width").value == 16 and not any("You changed" in w for w in texts(at.warning))
    at.select_slider(key="setting_width").set_value(64).run()
    [new_run] = [b for b in at.button if b.label == "Start a new run"]
    new_run.click().run()
    snap = trainer(at).snapshot
    assert (snap.name, snap.settings.width, snap.step) == ("Run 2", 64, 0)
    assert [r.settings.width for r in at.session_state[session.RUNS]] == [16]  # run 1 is kept, not mixed


def test_a_diverging_learning_rate_stops_with_a_clear_message(train_page):
    at = train_page(**{**TINY, "learning_rate": "10", "width": "64", "train_size": "1000"})
    click(at, "train_play")
    trainer(at).wait_for(lambda s: s.ended, 120)
    at.run()
    assert not at.exception
    assert any("diverged" in e and "smaller learning rate" in e for e in texts(at.error))
    assert [r.status for r in at.session_state[session.RUNS]] == ["diverged"]


def test_two_runs_can_be_compared(train_page):
    at = train_page(**{**TINY, "epochs": "1"})
    for _ in range(2):
        click(at, "train_play")
        trainer(at).wait_for(lambda s: s.ended, 60)
    at.run()
    assert not at.exception and len(at.session_state[session.RUNS]) == 2
    assert len(at.multiselect(key="compare_runs_2").value) == 2
    overlay, gaps = (json.loads(chart.proto.spec) for chart in at.get("plotly_chart")[-2:])
    assert {"Run 1: validation", "Run 2: validation"} <= {trace.get("name") for trace in overlay["data"]}
    assert gaps["data"][0]["y"] == ["Run 1", "Run 2"]  # each run's gap


def test_the_trained_run_is_every_pages_model_until_the_user_switches_back(train_page):
    at = train_page(**{**TINY, "epochs": "1"})
    click(at, "train_play")
    snap = trainer(at).wait_for(lambda s: s.ended, 60)
    # The Draw page through app.py (which draws the sidebar), in a session holding that trainer.
    draw = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    draw.session_state[session.TRAINER] = trainer(at)
    draw.session_state[session.LIVE_RUN] = True
    digit = data.as_float(data.load_sample().x_test[0])
    label = int(data.load_sample().y_test[0])
    draw.session_state[session.DIGIT] = digit_choice.CurrentDigit(digit, "test digit #0", label)
    draw.run()
    assert not draw.exception
    assert any("Run 1 you trained (width 16, finished" in c.value for c in draw.caption)
    expected = network.forward(snap.network, digit).prediction
    assert draw.metric[0].value == str(expected)  # Draw classifies the digit with the trained weights
    assert any("Run 1 you trained" in c.value for c in draw.caption if "classified by" in c.value)
    [back] = [b for b in draw.button if b.label == "Use the pretrained default"]
    back.click().run()
    # (AppTest reruns only the page script, without app.py's sidebar, while a pages/ folder exists.)
    assert session.LIVE_RUN not in draw.session_state
    assert any("pretrained default" in c.value for c in draw.caption if "classified by" in c.value)


def test_a_disconnected_session_ends_its_trainer(train_page):
    at = train_page(**TINY)
    click(at, "train_play")
    live = trainer(at)
    live.wait_for(lambda s: s.step > 0, 60)
    caching.clear_session_resource_cache("test session id")  # what Streamlit does when the tab disconnects
    deadline = time.monotonic() + 30
    while not live.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live.closed and "browser tab was closed" in live.snapshot.message
    at.run()  # the same session reconnecting: the page works, and the stopped run is kept
    assert not at.exception and [r.status for r in at.session_state[session.RUNS]] == ["stopped"]


@pytest.mark.browser
def test_full_mnist_that_is_not_downloaded_falls_back_to_the_sample(train_page, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache: full MNIST is not there
    at = train_page(dataset="full", **TINY)
    assert not at.exception
    assert any("Full MNIST is not downloaded yet" in t and "bundled sample" in t for t in texts(at.info))
    assert [b.label for b in at.button if "Download" in b.label] == ["Download full MNIST (11 MB)"]
    click(at, "train_play")
    assert trainer(at).wait_for(lambda s: s.step > 0, 60).dataset == "MNIST sample"


def test_choosing_full_mnist_shows_its_notice_at_once(train_page, monkeypatch, tmp_path):
    """Issue 12, defect 6: the notice and the download button come with the click, not a later visit."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache: full MNIST is not there
    at = train_page(**TINY)
    assert not any("Full MNIST" in t for t in texts(at.info))
    at.radio(key="setting_dataset").set_value("full").run()
    assert any("Full MNIST is not downloaded yet" in t for t in texts(at.info))
    assert [b.label for b in at.button if "Download" in b.label] == ["Download full MNIST (11 MB)"]
    assert any("**Data:** MNIST sample" in c.value for c in at.caption)  # the header says which data is used


def test_the_overfitting_experiment_trains_its_runs_one_after_the_other_and_shows_their_gaps(train_page, monkeypatch):
    tiny = settings.Settings(width=16, dropout=0.0, train_size=100, epochs=1, batch_size=16)
    monkeypatch.setattr(settings, "OVERFITTING_EXPERIMENT", (tiny, tiny.replace(dropout=0.5)))
    at = train_page(**TINY)
    [start] = [b for b in at.button if b.label.startswith("Run the overfitting experiment")]
    start.click().run()
    assert at.select_slider(key="setting_dropout").value == 0.0  # the controls show the running experiment
    trainer(at).wait_for(lambda s: s.ended, 60)
    at.run()  # what the live view's rerun does when a run ends: the experiment's next run starts
    assert at.select_slider(key="setting_dropout").value == 0.5
    trainer(at).wait_for(lambda s: s.ended and s.settings.dropout == 0.5, 60)
    at.run()
    assert not at.exception and [r.settings.dropout for r in at.session_state[session.RUNS]] == [0.0, 0.5]
    gaps = json.loads(at.get("plotly_chart")[-1].proto.spec)["data"][0]
    assert gaps["type"] == "bar" and len(gaps["y"]) == 2 and all(" points (" in t for t in gaps["text"])
    at.run()
    assert len(at.session_state[session.RUNS]) == 2  # no third run: the experiment is over


def test_every_accuracy_says_which_digits_it_is_on(train_page):
    at = train_page(**{**TINY, "epochs": "1"})
    live = {m.label: m for m in at.metric}
    assert "first 500 of the 1,000 validation digits" in live["Validation subset"].help
    click(at, "train_play")
    trainer(at).wait_for(lambda s: s.ended, 60)
    at.run()
    results = {m.label: m.help for m in at.metric}
    assert "1,000 held-out test digits" in results["Test"]
    assert "all the validation digits" in results["Validation"] and "Validation subset" in results["Validation"]
    assert "100 training digits" in results["Training"] and "dropout on" in results["Training"]


def test_a_link_with_many_other_parameters_still_opens_with_its_settings(train_page):
    """Only the settings' names are read, however many other parameters a link carries (up to
    Streamlit's limits: it ignores a whole query string of more than 1,000 parameters, logging it on the
    server only, and past about 128 KB the web server answers 400 Bad Request before any app code
    runs; nnviz never sees such a link, so it cannot add a message of its own)."""
    at = train_page(width="32", **{f"p{i}": str(i) for i in range(990)})
    assert not at.exception and not at.warning
    assert at.select_slider(key="setting_width").value == 32
    dropped = train_page(width="32", **{f"p{i}": str(i) for i in range(1000)})  # 1,001 parameters
    assert not dropped.exception and dropped.select_slider(key="setting_width").value == 128


def test_a_step_that_has_not_shown_yet_keeps_the_page_refreshing(train_page, monkeypatch):
    """A Step on an untrained run may be answered before a worker has trained it: the live view must
    keep polling (and say so) until the step shows, or the page would sit at step 0."""
    at = train_page(**TINY)
    trainer(at).wait_for(lambda s: s.status == "ready", 60)
    monkeypatch.setattr(type(trainer(at)), "step", lambda self, wait=5.0: self.snapshot)  # still preparing
    click(at, "train_step")
    assert any("Preparing the run for its first step" in t for t in texts(at.info))
    assert session.AWAITED_STEP in at.session_state
    assert at.session_state[session.AWAITED_STEP] == trainer(at).snapshot.step


# ---- depth: hidden layers, their widths, the presets ---------------------------------------------------

DEEP_TINY = {"train_size": "100", "widths": "32,16,8", "epochs": "0", "batch_size": "16"}


def sliders(at) -> dict:
    return {s.key: s.value for s in at.select_slider if s.key.startswith("setting_width")}


def test_a_deeper_link_shows_a_control_per_layer_and_trains_that_network(train_page):
    at = train_page(**DEEP_TINY)
    assert not at.exception and not at.warning
    assert at.radio(key="setting_depth").value == 3
    assert sliders(at) == {"setting_width": 32, "setting_width_2": 16, "setting_width_3": 8}
    assert [s.label for s in at.select_slider][:3] == ["Layer 1 width", "Layer 2 width", "Layer 3 width"]
    assert at.query_params["widths"] == "32,16,8" and "width" not in at.query_params
    click(at, "train_step")
    snap = trainer(at).wait_for(lambda s: s.step >= 1 and s.network is not None, 60)
    assert snap.network.widths == (32, 16, 8) and snap.settings.widths == (32, 16, 8)
    at.run()
    assert not at.exception
    assert any("Run 1 you trained (widths 32-16-8" in c.value for c in at.caption)  # the header names its layers


def test_the_depth_control_adds_and_removes_layers_and_remembers_their_widths(train_page):
    at = train_page(**TINY)
    assert at.radio(key="setting_depth").value == 1 and sliders(at) == {"setting_width": 16}
    assert [s.label for s in at.select_slider][0] == "Hidden width"
    at.radio(key="setting_depth").set_value(3).run()
    assert not at.exception and sliders(at) == {"setting_width": 16, "setting_width_2": 64, "setting_width_3": 32}
    assert at.query_params["widths"] == "16,64,32" and "width" not in at.query_params  # each setting once
    at.select_slider(key="setting_width_3").set_value(256).run()
    at.radio(key="setting_depth").set_value(1).run()
    assert sliders(at) == {"setting_width": 16}
    assert at.query_params["width"] == "16" and "widths" not in at.query_params
    at.radio(key="setting_depth").set_value(3).run()
    assert sliders(at)["setting_width_3"] == 256  # a layer brought back keeps the width it had


def test_a_preset_sets_the_network_in_one_click_and_keeps_the_other_settings(train_page):
    at = train_page(**TINY)
    by_name = {b.label: b for b in at.button if b.key and b.key.startswith("preset_")}
    assert list(by_name) == [p.name for p in settings.PRESETS]
    by_name["deeper, not wider"].click().run()
    assert not at.exception
    assert at.radio(key="setting_depth").value == 3 and at.radio(key="setting_activation").value == "relu"
    assert sliders(at) == {"setting_width": 128, "setting_width_2": 64, "setting_width_3": 32}
    assert at.query_params["widths"] == "128,64,32" and at.query_params["train_size"] == "100"  # the data is kept
    assert at.button(key="preset_2").proto.type == "primary"  # the preset the controls now show
    at.button(key="preset_3").click().run()  # linear only
    assert at.radio(key="setting_activation").value == "linear" and at.query_params["activation"] == "linear"
    at.button(key="preset_4").click().run()  # sigmoid, 4 deep
    assert at.radio(key="setting_depth").value == 4 and at.radio(key="setting_activation").value == "sigmoid"
    at.button(key="preset_0").click().run()  # the tutorial's network
    assert sliders(at) == {"setting_width": 128} and at.radio(key="setting_activation").value == "relu"
    assert at.query_params["width"] == "128" and "widths" not in at.query_params
    assert at.select_slider(key="setting_batch_size").value == 16  # never touched by a preset


@pytest.mark.parametrize(("raw", "expected"), [
    ("0,-1,abc", "list of hidden widths `0,-1,abc` holds `0`, which is outside 8–1,024"),
    (",".join(["64"] * 12), "has 12 layers; nnviz builds 1 to 4"),
    ("1000000000", "holds `1000000000`, which is outside"),
])
def test_a_bad_widths_link_falls_back_to_the_default_network_with_a_notice(train_page, raw, expected):
    at = train_page(widths=raw, dropout="0.5")
    assert not at.exception
    assert any(expected in w and "default 128 is used" in w for w in texts(at.warning)), texts(at.warning)
    assert at.radio(key="setting_depth").value == 1 and sliders(at) == {"setting_width": 128}
    assert at.query_params["width"] == "128" and "widths" not in at.query_params  # the link is repaired
    assert at.select_slider(key="setting_dropout").value == 0.5  # the good value next to it is kept


def test_changing_the_depth_of_a_started_run_asks_for_a_new_run(train_page):
    at = train_page(**TINY)
    click(at, "train_step")
    trainer(at).wait_for(lambda s: s.step >= 1, 60)
    at.radio(key="setting_depth").set_value(2).run()
    assert any("You changed the hidden layers" in w for w in texts(at.warning))
    [new_run] = [b for b in at.button if b.label == "Start a new run"]
    new_run.click().run()
    snap = trainer(at).wait_for(lambda s: s.name == "Run 2", 60)
    assert snap.settings.widths == (16, 64) and [r.settings.widths for r in at.session_state[session.RUNS]] == [(16,)]
