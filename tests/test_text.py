"""How nnviz words numbers and shows text it did not write (nnviz/text.py), and whose run a run is."""

import dataclasses
import datetime as dt
import math

from nnviz import run_store, text
from nnviz.access import User
from nnviz.settings import Settings


def test_count_puts_the_noun_in_the_right_number():
    assert [text.count(n, "step") for n in (0, 1, 2, 1000)] == ["0 steps", "1 step", "2 steps", "1,000 steps"]


def test_literal_escapes_every_mark_that_starts_markdown_and_keeps_the_words():
    raw = "[x](http://e.example) ![i](a.png) <b>*bold*</b> :material/home: `c` a_b #h"
    shown = text.literal(raw)
    assert all(shown[i - 1] == "\\" for i, ch in enumerate(shown) if ch in "[]<>*`_#:!")
    assert shown.replace("\\", "") == raw
    assert text.literal("Run 1 · 11-21") == "Run 1 · 11-21"  # plain words pass unchanged


def test_plot_literal_leaves_no_html_or_template_for_plotly():
    shown = text.plot_literal("<b>run</b> %{x} 50%")
    assert "<" not in shown and ">" not in shown and "%" not in shown and "run" in shown


def test_percent_shows_a_dash_where_nothing_was_measured():
    assert text.percent(0.9734) == "97.3%" and text.percent(math.nan) == "—" and text.percent(1.0) == "100.0%"


def test_owner_label_names_the_owner_as_the_user_reads_it():
    run = run_store.SavedRun("20251121-190000-3f9a0c1e", "Run 1", dt.datetime(2025, 11, 21, tzinfo=dt.UTC),
                             Settings(), "MNIST sample", 500, "stopped", 32, 1.0, 3.0, math.nan, 0.9,
                             owner="alice-key", owner_name="Alice")
    alice, bob = User("alice-key", "Alice"), User("bob-key", "Bob")
    assert run_store.owner_label(run, alice) == "you"
    assert run_store.owner_label(run, bob) == "Alice"
    assert run_store.owner_label(dataclasses.replace(run, owner_name=""), bob) == "someone"
    assert run_store.owner_label(dataclasses.replace(run, owner=None, owner_name=""), bob) == "saved before sign-in"
