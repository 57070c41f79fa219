"""The sweep chart (nnviz.figures.sweep): points, the shaded overfitting gap, a fixed x axis."""

import numpy as np
import pytest

from nnviz.figures import sweep


def traces(fig):
    return {t.name: t for t in fig.data}


def test_each_finished_run_is_a_point_and_the_gap_is_filled_between_training_and_validation():
    fig = sweep.sweep_figure([8, 64], [0.95, 0.99], [0.85, 0.93], [0.86, 0.92], [8, 16, 32, 64, 128],
                             "hidden width", log=True, title="Why 128 neurons?")
    t = traces(fig)
    assert list(t["training"].y) == [0.95, 0.99] and list(t["validation"].y) == [0.85, 0.93]
    assert list(t["test"].x) == [8, 64] and list(t["test"].y) == [0.86, 0.92]
    # The fill goes from the training trace down to the trace before it, which is validation: the gap.
    names = [tr.name for tr in fig.data]
    assert t["training"].fill == "tonexty" and names.index("validation") == names.index("training") - 1
    assert t["validation"].fill in (None, "none") and sweep.GAP_NAME in names
    assert fig.layout.title.text == "Why 128 neurons?"


def test_the_x_axis_spans_every_planned_value_from_the_first_point_on():
    planned = [100, 300, 1_000, 3_000, 8_000]
    one = sweep.sweep_figure([100], [1.0], [0.6], [0.62], planned, "training digits", log=True,
                             labels=["100", "300", "1,000", "3,000", "all (8,000)"])
    assert one.layout.xaxis.type == "log"
    low, high = one.layout.xaxis.range
    assert low < np.log10(100) and high > np.log10(8_000)
    assert list(one.layout.xaxis.ticktext) == ["100", "300", "1,000", "3,000", "all (8,000)"]
    linear = sweep.sweep_figure([], [], [], [], [0.0, 0.2, 0.4, 0.6], "dropout rate")
    assert linear.layout.xaxis.type in (None, "linear") and list(linear.layout.xaxis.ticktext) == ["0", "0.2", "0.4",
                                                                                                  "0.6"]
    assert linear.layout.xaxis.range[0] < 0 < 0.6 < linear.layout.xaxis.range[1]


def test_the_accuracy_axis_shows_every_point_even_a_poor_one_and_tolerates_nan():
    fig = sweep.sweep_figure([1, 2], [0.3, float("nan")], [0.25, 0.9], [0.28, 0.9], [1, 2, 3, 4], "hidden layers")
    assert fig.layout.yaxis.range[0] <= 0.25 and fig.layout.yaxis.range[1] >= 1.0
    assert sweep.sweep_figure([1], [0.99], [0.98], [0.97], [1, 2], "x").layout.yaxis.range[0] == 0.5


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="equally long"):
        sweep.sweep_figure([1, 2], [0.9], [0.8, 0.8], [0.8, 0.8], [1, 2], "x")
