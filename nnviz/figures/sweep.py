"""A sweep's chart: final training, validation and test accuracy against the swept value, with the
overfitting gap between training and validation shaded. Arrays in, a plotly figure out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.figures import common

TRAIN_COLOUR, VAL_COLOUR = common.PALETTE["training"], common.PALETTE["validation"]
TEST_COLOUR = common.PALETTE["focus"]
GAP_FILL = "rgba(136, 146, 166, 0.35)"   # the neutral grey, see-through: the gap, not a third metric
GAP_NAME = "overfitting gap"


def _tick(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def sweep_figure(values: Sequence[float], train: Sequence[float], val: Sequence[float], test: Sequence[float],
                 planned: Sequence[float], axis_title: str, log: bool = False, title: str = "",
                 labels: Sequence[str] | None = None, height: int = 380) -> go.Figure:
    """One point per finished run at its swept value; `planned` are every value the sweep will train, so
    the x axis is fixed from the first run on and points are added without the chart jumping; `labels`
    name them on that axis (default: the numbers). The gap
    between training (light blue) and validation (orange) accuracy is shaded; test accuracy is white."""
    x = np.asarray(values, np.float64)
    train, val, test = (np.asarray(a, np.float64) for a in (train, val, test))
    if not len(x) == len(train) == len(val) == len(test):
        raise ValueError("a sweep's arrays must be equally long")
    hover = "%{x}: %{y:.1%}<extra>%{fullData.name}</extra>"
    fig = go.Figure([
        go.Scatter(x=x, y=val, name="validation", mode="lines+markers", line=dict(color=VAL_COLOUR, width=3),
                   marker=dict(size=9), hovertemplate=hover),
        # Filled down to the validation trace before it: the shaded band is exactly the overfitting gap.
        go.Scatter(x=x, y=train, name="training", mode="lines+markers", line=dict(color=TRAIN_COLOUR, width=3),
                   marker=dict(size=9), fill="tonexty", fillcolor=GAP_FILL, hovertemplate=hover),
        go.Scatter(x=x, y=test, name="test", mode="markers", marker=dict(color=TEST_COLOUR, size=11, symbol="diamond",
                                                                          line=dict(color="#000000", width=1)),
                   hovertemplate=hover),
        # A legend entry for the shading (the fill itself has none of its own).
        go.Scatter(x=[None], y=[None], name=GAP_NAME, mode="markers", hoverinfo="skip",
                   marker=dict(color=GAP_FILL, size=14, symbol="square")),
    ])
    planned = np.asarray(planned, np.float64)
    labels = list(labels) if labels is not None else [_tick(v) for v in planned]
    ticks = dict(tickmode="array", tickvals=planned.tolist(), ticktext=labels)
    if log:
        low, high = np.log10(planned.min()), np.log10(planned.max())
        pad = 0.06 * max(high - low, 1e-9)
        fig.update_xaxes(type="log", range=[low - pad, high + pad], **ticks)
    else:
        pad = 0.06 * max(planned.max() - planned.min(), 1e-9)
        fig.update_xaxes(range=[planned.min() - pad, planned.max() + pad], **ticks)
    finite = np.concatenate([train, val, test])
    finite = finite[np.isfinite(finite)]
    bottom = min(0.5, float(finite.min()) - 0.05) if len(finite) else 0.5
    fig.update_yaxes(range=[max(0.0, bottom), 1.02], tickformat=".0%", title="accuracy")
    fig.update_xaxes(title=axis_title)
    # The legend sits under the axis: above it, a phone's narrow chart would put it over the title.
    return common.style(fig, height, title=title, hovermode="closest",
                        legend=dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0.0))
