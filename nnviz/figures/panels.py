"""Several panels in one figure from plain axis domains: make_subplots and update_* calls cost ~10× more per rerun."""

from __future__ import annotations

TITLE_FONT = dict(size=13)


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
