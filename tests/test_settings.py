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
