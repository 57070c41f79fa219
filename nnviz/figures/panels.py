"""Figures from plain dicts: several panels from plain axis domains (make_subplots and update_* calls cost ~10×
more per rerun), and a figure built without plotly's validation, in the house style."""

from __future__ import annotations

import functools

import plotly.graph_objects as go

from nnviz.figures import common

TITLE_FONT = dict(size=13)


def _house_style() -> dict:
    """What common.style adds to a layout, but its height: asked of common.style itself, once, so the two
    cannot drift apart."""
    layout = common.style(go.Figure(), 100).layout.to_plotly_json()
    return {k: v for k, v in layout.items() if k not in ("template", "height")}


HOUSE = _house_style()


def merged(base: dict, update: dict) -> dict:
    """base updated by update, nested dicts merged key by key (as plotly's update_layout does), neither changed."""
    out = dict(base)
    for key, value in update.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def figure(traces: list[dict], layout: dict | None = None, height: int = 320, **style) -> go.Figure:
    """A figure from plain trace and layout dicts, in the house style (common.style(fig, height, **style)),
    WITHOUT plotly's validation: that costs 10-20 times the building itself, per rerun, and buys nothing
    for properties fixed in code. So write what validation would have made of them: titles as
    dict(text=...), colour scales by scale(), numeric arrays as numpy arrays, nested dicts for
    underscore paths (tests/figures/test_panels.py checks each page's figures are sent exactly as
    validated ones are)."""
    if isinstance(style.get("title"), str):
        style["title"] = dict(text=style["title"])
    full = merged(merged(layout or {}, HOUSE), dict(height=height, **style))
    return go.Figure(data=traces, layout=full, _validate=False)


@functools.cache
def scale(name: str) -> tuple:
    """A named colour scale as plotly's validation spells it out ((position, colour), …): plotly.js does
    not know every name plotly.py does ("RdBu_r", "Greys_r")."""
    return go.Heatmap(colorscale=name).colorscale


def axis_ids(k: int) -> tuple[str, str]:
    """Trace references ("x", "y"), ("x2", "y2"), … of panel k (counting from 0)."""
    return ("x", "y") if k == 0 else (f"x{k + 1}", f"y{k + 1}")


def layout(boxes: list[tuple[float, float, float, float]], titles: list[str] | None = None,
           images: tuple[int, ...] = ()) -> dict:
    """Layout with one x/y axis pair per box (x0, x1, y0, y1 in paper coordinates) and a title above each.

    Panels listed in `images` show 28×28 pictures: square pixels, row 0 at the top, no axes.
    """
    out: dict = {"annotations": []}
    for k, (x0, x1, y0, y1) in enumerate(boxes):
        xa, ya = axis_ids(k)
        x_name, y_name = "xaxis" + xa[1:], "yaxis" + ya[1:]
        out[x_name] = dict(domain=[x0, x1], anchor=ya)
        out[y_name] = dict(domain=[y0, y1], anchor=xa)
        if k in images:
            out[x_name].update(visible=False, constrain="domain")
            out[y_name].update(visible=False, autorange="reversed", scaleanchor=xa)
        if titles and titles[k]:
            out["annotations"].append(dict(text=titles[k], x=(x0 + x1) / 2, y=y1, xref="paper", yref="paper",
                                           xanchor="center", yanchor="bottom", showarrow=False, font=TITLE_FONT))
    return out


def columns(widths: list[float], gap: float = 0.05, right: float = 1.0) -> list[tuple[float, float, float, float]]:
    """Boxes side by side from 0 to `right` (leave room for a colour bar), widths in proportion, a gap between."""
    total = sum(widths)
    usable = right - gap * (len(widths) - 1)
    boxes, x = [], 0.0
    for w in widths:
        x1 = x + usable * w / total
        boxes.append((x, min(x1, right), 0.0, 1.0))
        x = x1 + gap
    return boxes
