"""The settings table and its URL round trip: allow-list, types, ranges, defaults with notices."""

import math
from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from nnviz.settings import SPEC, SPECS, Settings, from_query, to_query
from nnviz.text import safe_text


def test_one_table_drives_the_settings_value():
    assert [f.name for f in fields(Settings)] == [s.name for s in SPECS]
    assert Settings().as_dict() == {s.name: s.default for s in SPECS}
    assert Settings().width == 128 and Settings().dropout == 0.2 and Settings().activation == "relu"
    for spec in SPECS:
        assert spec.label and spec.help and spec.group in ("Architecture", "Optimisation", "Data")
        if spec.kind is not str:
            assert spec.low <= spec.default <= spec.high
            assert all(spec.low <= v <= spec.high for v in spec.stops)


def test_round_trip_of_a_changed_setup():
    chosen = Settings(width=512, dropout=0.5, activation="tanh", learning_rate=3e-4, batch_size=64,
                      epochs=0, seed=42, train_size=1000, dataset="full")
    query = to_query(chosen)
    assert all(isinstance(v, str) for v in query.values())
    assert from_query(query) == (chosen, ())


def test_empty_url_gives_defaults_and_unrelated_parameters_are_ignored():
    assert from_query({}) == (Settings(), ())
    assert from_query({"page": "layers", "digit": "3"}) == (Settings(), ())


def test_settings_refuse_invalid_values():
    for bad in ({"width": 4}, {"width": 1025}, {"dropout": 0.95}, {"activation": "gelu"},
                {"learning_rate": float("nan")}, {"batch_size": 2.5}, {"epochs": -1}, {"width": True}):
        with pytest.raises(ValueError):
            Settings(**bad)
    assert Settings(width=64.0).width == 64 and isinstance(Settings(width=64.0).width, int)


@pytest.mark.parametrize(("name", "raw", "reason"), [
    ("width", "abc", "is not a number"),               # a string where a number is expected
    ("width", "-32", "is outside"),                    # negative
    ("width", "100000000", "is outside"),              # a huge width
    ("width", "1e9", "is outside"),
    ("width", "12.5", "is not a whole number"),
    ("width", "9" * 400, "is too long"),               # no giant-integer parsing
    ("dropout", "NaN", "is not a number"),             # NaN
    ("dropout", "inf", "is not a number"),
    ("dropout", "1.5", "is outside"),
    ("learning_rate", "0", "is outside"),
    ("learning_rate", "1e400", "is not a finite number"),
    ("batch_size", "0x20", "is not a number"),         # no hex, no Python literals
    ("batch_size", "__import__('os')", "is not a number"),
    ("epochs", "", "is empty"),
    ("seed", "-1", "is outside"),
    ("train_size", "5", "is outside"),
    ("activation", "softmax", "is not one of relu, sigmoid, tanh"),
    ("dataset", "../../etc/passwd", "is not one of sample, full"),
])
def test_bad_url_values_fall_back_to_their_default_with_a_notice(name, raw, reason):
    other, text, value = ("dropout", "0.5", 0.5) if name != "dropout" else ("width", "256", 256)
    chosen, notices = from_query({name: raw, other: text})
    assert getattr(chosen, name) == SPEC[name].default
    assert len(notices) == 1 and reason in notices[0] and SPEC[name].label.lower() in notices[0]
    assert getattr(chosen, other) == value  # the good value next to it is kept


def test_url_values_are_normalised_and_repeats_take_the_last():
    chosen, notices = from_query({"width": " 256 ", "activation": "TANH", "epochs": "1e1",
                                  "batch_size": ["8", "16"], "learning_rate": "0.01"})
    assert notices == ()
    assert (chosen.width, chosen.activation, chosen.epochs, chosen.batch_size, chosen.learning_rate) == \
        (256, "tanh", 10, 16, 0.01)


def test_notices_cannot_inject_markdown_links_or_html():
    _, notices = from_query({"width": "![x](http://evil.example/a.png)<script>"})
    assert "](" not in notices[0] and "<" not in notices[0] and "http://" not in notices[0]
    assert safe_text("a`b*c[d]") == "a?b?c?d?"


valid_settings = st.builds(
    Settings,
    width=st.integers(8, 1024), dropout=st.floats(0, 0.9), activation=st.sampled_from(["relu", "sigmoid", "tanh"]),
    learning_rate=st.floats(1e-5, 10), batch_size=st.integers(1, 1024), epochs=st.integers(0, 1000),
    seed=st.integers(0, 999_999), train_size=st.integers(100, 60_000), dataset=st.sampled_from(["sample", "full"]))


@given(valid_settings)
@hsettings(max_examples=200, deadline=None)
def test_every_valid_setup_survives_the_url_exactly(chosen):
    assert from_query(to_query(chosen)) == (chosen, ())


url_values = st.one_of(st.text(max_size=40), st.sampled_from(["nan", "-0", "1e-5", "1e309", "0.9", "1024", "8"]),
                       st.lists(st.text(max_size=8), max_size=3))


@given(st.dictionaries(st.sampled_from([s.name for s in SPECS] + ["other"]), url_values))
@hsettings(max_examples=400, deadline=None)
def test_from_query_never_raises_and_always_gives_valid_settings(params):
    chosen, notices = from_query(params)
    assert isinstance(chosen, Settings)
    Settings(**chosen.as_dict())  # valid by construction
    for name in (s.name for s in SPECS):
        value = getattr(chosen, name)
        if name not in params:
            assert value == SPEC[name].default
        if isinstance(value, float):
            assert math.isfinite(value)
    assert len(notices) <= len(params)


def test_count_puts_the_noun_in_the_right_number():
    from nnviz.settings import count

    assert [count(n, "step") for n in (0, 1, 2, 1000)] == ["0 steps", "1 step", "2 steps", "1,000 steps"]


def test_the_overfitting_experiment_changes_only_the_dropout():
    from nnviz.settings import OVERFITTING_EXPERIMENT

    plain, dropped = OVERFITTING_EXPERIMENT
    assert plain.differences(dropped) == ("dropout",) and plain.dropout == 0 < dropped.dropout
    assert plain.train_size <= 1000 and plain.width >= 512 and plain.epochs  # few digits, wide, ends by itself


# ---- depth: 1 to 4 hidden layers, each with its own width ------------------------------------------------

def test_a_deeper_network_round_trips_through_one_widths_parameter():
    from nnviz.settings import WIDTHS

    deep = Settings(dropout=0.5).replace(widths=(256, 128))
    assert (deep.depth, deep.widths, deep.width) == (2, (256, 128), 256)
    query = to_query(deep)
    assert query[WIDTHS] == "256,128" and "width" not in query and "depth" not in query and "width_2" not in query
    assert from_query(query) == (deep, ())
    assert from_query({WIDTHS: "256,128"})[0].widths == (256, 128)


def test_one_hidden_layer_keeps_todays_link():
    assert to_query(Settings(width=64))["width"] == "64" and "widths" not in to_query(Settings(width=64))
    old, notices = from_query({"width": "128"})
    assert (old.depth, old.widths, notices) == (1, (128,), ())
    assert from_query({"widths": "64"})[0] == Settings(width=64)  # a one-item list is the same network


def test_the_widths_list_wins_over_an_old_width_and_the_link_holds_each_setting_once():
    from nnviz.settings import stale_names

    chosen, notices = from_query({"width": "64", "widths": "256,128,32"})
    assert chosen.widths == (256, 128, 32) and notices == ()
    assert stale_names(chosen) == ("width",) and stale_names(Settings()) == ("widths",)


@pytest.mark.parametrize(("raw", "reason"), [
    ("0,-1,abc", "holds `0`, which is outside 8–1,024"),
    (",".join(["8"] * 12), "has 12 layers; nnviz builds 1 to 4"),      # 12 layers
    ("1000000000", "holds `1000000000`, which is outside"),           # 10^9 units
    ("128,1e9", "holds `1e9`, which is outside"),
    ("64,abc", "holds `abc`, which is not a number"),
    ("64,,32", "which is empty"),
    ("128," * 12, "has 13 layers"),
    ("1024," * 3 + "9" * 20, "is too long"),
    ("", "is empty"),
    ("64,12.5", "is not a whole number"),
])
def test_a_bad_widths_list_falls_back_to_the_default_network_with_a_notice(raw, reason):
    chosen, notices = from_query({"widths": raw, "dropout": "0.5"})
    assert chosen == Settings(dropout=0.5) and chosen.widths == (128,)  # the good value next to it is kept
    assert len(notices) == 1 and reason in notices[0] and "list of hidden widths" in notices[0]
    assert "default 128 is used" in notices[0]


def test_a_widths_notice_cannot_inject_markup_and_stays_short():
    _, [notice] = from_query({"widths": "[a](http://x.example),<b>,`c`," + "9" * 30})
    assert "](" not in notice and "<" not in notice and "http://" not in notice and len(notice) < 160


def test_layers_the_network_does_not_have_hold_their_defaults():
    deep = Settings().replace(widths=(32, 256, 512, 1024))
    shallow = deep.replace(depth=1)
    assert shallow == Settings(width=32) and shallow.widths == (32,)
    assert shallow.differences(deep) == ("depth", "width_2", "width_3", "width_4")
    assert Settings(depth=2).widths == (128, SPEC["width_2"].default)
    for bad in ({"depth": 0}, {"depth": 5}, {"width_3": 4}):
        with pytest.raises(ValueError):
            Settings(**bad)
    for bad in ((), (128,) * 5, (128, 0)):
        with pytest.raises(ValueError):
            Settings().replace(widths=bad)


def test_labels_name_every_width():
    from nnviz.settings import width_text

    assert width_text((128,)) == "width 128" and width_text((128, 64, 32)) == "widths 128-64-32"
    assert Settings().describe().startswith("width 128 · dropout 0.2 · relu")
    deep = Settings(activation="linear").replace(widths=(8, 16))
    assert deep.describe().startswith("widths 8-16 · dropout 0.2 · linear")


def test_presets_are_the_five_named_networks():
    from nnviz.settings import PRESETS

    assert [p.name for p in PRESETS] == ["the tutorial's network", "the course's network", "deeper, not wider",
                                        "linear only", "sigmoid, 4 deep"]
    by_name = {p.name: p.apply(Settings()) for p in PRESETS}
    assert by_name["the tutorial's network"] == Settings()  # the default stays 784-128-10 relu, dropout 0.2
    assert by_name["the course's network"].widths == (256,)
    assert by_name["deeper, not wider"].widths == (128, 64, 32) and by_name["deeper, not wider"].activation == "relu"
    assert by_name["linear only"].activation == "linear" and by_name["linear only"].depth > 1
    assert (by_name["sigmoid, 4 deep"].activation, by_name["sigmoid, 4 deep"].depth) == ("sigmoid", 4)
    for preset in PRESETS:
        assert preset.lesson and [p.name for p in PRESETS if p.matches(preset.apply(Settings()))] == [preset.name]


def test_a_preset_changes_only_the_network():
    from nnviz.settings import PRESETS

    mine = Settings(width=512, learning_rate=0.01, batch_size=64, epochs=3, seed=9, train_size=1000)
    deep = PRESETS[2].apply(mine)
    assert set(deep.differences(mine)) <= {"depth", "width", "width_2", "width_3", "width_4", "dropout", "activation"}
    assert (deep.learning_rate, deep.batch_size, deep.epochs, deep.seed, deep.train_size) == (0.01, 64, 3, 9, 1000)


deep_settings = st.builds(
    lambda widths, base: base.replace(widths=widths), st.lists(st.integers(8, 1024), min_size=1, max_size=4),
    st.builds(Settings, activation=st.sampled_from(["relu", "sigmoid", "tanh", "linear"]), dropout=st.floats(0, 0.9)))


@given(deep_settings)
@hsettings(max_examples=200, deadline=None)
def test_every_valid_deep_setup_survives_the_url_exactly(chosen):
    assert from_query(to_query(chosen)) == (chosen, ())


@given(st.dictionaries(st.sampled_from(["widths", "width", "depth", "width_2"]), url_values))
@hsettings(max_examples=300, deadline=None)
def test_any_widths_link_gives_valid_settings_or_a_notice(params):
    chosen, notices = from_query(params)
    Settings(**chosen.as_dict())
    assert 1 <= chosen.depth <= 4 and all(8 <= w <= 1024 for w in chosen.widths)
    if "widths" not in params and "width" not in params:
        assert chosen.widths == (128,)


def test_the_linear_preset_is_one_linear_map_and_the_sigmoid_preset_vanishes():
    """The two lessons, on the presets' own networks as built (seeded) and numbers from the network core."""
    import numpy as np

    from nnviz import data, model, network
    from nnviz.settings import PRESETS

    sample = data.load_sample()
    x, y = data.as_float(sample.x_test[:64]), sample.y_test[:64]
    by_name = {p.name: p.apply(Settings()) for p in PRESETS}

    def built(chosen):
        return model.to_network(model.build_model(chosen.widths, chosen.dropout, chosen.activation, seed=0))

    linear = built(by_name["linear only"])
    kernel, bias = np.eye(784), np.zeros(784)
    for w, b in zip(linear.kernels, linear.biases, strict=True):  # compose the layers into one map
        kernel, bias = kernel @ w.astype(np.float64), bias @ w.astype(np.float64) + b
    logits = network.forward(linear, x, dtype=np.float64).logits
    np.testing.assert_allclose(logits, network.flatten(x).astype(np.float64) @ kernel + bias, rtol=1e-9, atol=1e-9)

    def gradient_sizes(chosen):
        net = built(chosen)
        acts = network.forward(net, x)
        return [float(np.abs(k).mean()) for k in network.backward(net, acts, network.loss_gradient(acts, y)).kernels]

    sigmoid = gradient_sizes(by_name["sigmoid, 4 deep"])
    assert all(a < b for a, b in zip(sigmoid[:-1], sigmoid[1:], strict=True))  # smaller at every layer back
    assert sigmoid[0] < sigmoid[3] / 20  # the first hidden layer's against the last's
    relu = gradient_sizes(by_name["sigmoid, 4 deep"].replace(activation="relu"))
    assert relu[0] > relu[3] / 5  # the same stack with ReLU keeps its gradient
