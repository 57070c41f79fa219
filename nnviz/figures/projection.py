"""The hidden-layer map's figure: a Vega-Lite scatter of the map digits coloured by true label, each digit's
number at the middle of its cloud, the user's digit as a large white star, and the digit's image on hover.

Vega-Lite, not plotly: Streamlit renders tooltips with vega-tooltip, which shows a field named `image` as a
picture (plotly's hover takes text only), and the live map on Train swaps its data in place each second.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pyarrow as pa
from PIL import Image

from nnviz.figures import common
from nnviz.projection import LayerMap

# Ten digits need ten colours: Okabe & Ito's seven (the app's PALETTE) and three more kept apart from them on
# a dark background. No ten colours stay distinct under every colour blindness, so each cloud also carries its
# digit's number (the text layer), and hover names it.
DIGIT_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2",
                 "#D55E00", "#CC79A7", "#B8B8B8", "#A6761D", "#B2DF8A")
STAR_COLOUR = common.PALETTE["focus"]  # white: the one thing to look at
HEIGHT = 420
TOOLTIP_CSS = "#vg-tooltip-element img {width: 84px; height: 84px; image-rendering: pixelated;}"
# The hover pictures travel as bare base64 and get this prefix in the browser (a calculate transform): written
# into each of 2,000 rows it was 46 kB of every map's data
PICTURE_URI = "data:image/webp;base64,"
STAR = ("M0,-1L0.25,-0.34L0.95,-0.31L0.4,0.13L0.59,0.81L0,0.42L-0.59,0.81L-0.4,0.13L-0.95,-0.31"
        "L-0.25,-0.34Z")  # a five-pointed star as an SVG path: Vega has no star shape
PICK = "pick"  # the click selection's name: Streamlit reports clicked points under it


def hover_pictures(images: np.ndarray) -> list[str]:
    """Each 28×28 digit as a lossless WebP in base64 (about 255 characters; a PNG data URI took 391): the
    tooltip's picture, pixel for pixel (TOOLTIP_CSS scales it up with hard pixel edges). Every map sends 2,000 of
    them, so they are most of its bytes. WebP's method 4: method 6 saves 1% for 25 times the CPU."""
    pictures = []
    for image in np.clip(np.rint(np.asarray(images) * 255), 0, 255).astype(np.uint8):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="WEBP", lossless=True, quality=50, method=4)
        pictures.append(base64.b64encode(buffer.getvalue()).decode())
    return pictures


def map_data(m: LayerMap, pictures: list[str] | None = None) -> pa.Table:
    """One row per map digit: its coordinates, true digit, test index and (for hover) its picture (hover_pictures).
    32-bit numbers: a map needs no more, and 64-bit ones were 24 kB more of each map's data."""
    columns = {"x": m.coords[:, 0].astype(np.float32), "y": m.coords[:, 1].astype(np.float32),
               "digit": [str(d) for d in m.labels.tolist()], "index": np.arange(len(m.labels), dtype=np.int32)}
    if pictures is not None:
        columns["picture"] = pictures
    return pa.table(columns)


def axis_title(m: LayerMap, i: int) -> str:
    if m.projection.explained is None:  # t-SNE: its axes keep no share of the spread, only neighbours
        return f"t-SNE, {('1st', '2nd')[i]} axis"
    return f"{('1st', '2nd')[i]} direction ({m.projection.explained[i]:.0%} of the spread)"


def map_spec(m: LayerMap, title: str, star: np.ndarray | None = None, star_name: str = "your digit",
             hover_images: bool = True, clickable: bool = True, height: int = HEIGHT) -> dict:
    """The map's Vega-Lite spec (its data: map_data). Axis numbers are left out: PCA's units mean nothing,
    only distances and clusters do."""
    layers = _digit_layers(hover_images, clickable)
    if star is not None:
        layers.append(dict(_star_layer(), data={"values": [{"x": float(star[0]), "y": float(star[1]),
                                                            "digit": star_name}]}))
    return {"height": height, "title": {"text": title, "anchor": "start"},
            "encoding": _axes(axis_title(m, 0), axis_title(m, 1)), "layer": layers}


def _axes(x_title: str, y_title: str) -> dict:
    return {"x": {"field": "x", "type": "quantitative", "title": x_title, "axis": {"labels": False, "ticks": False}},
            "y": {"field": "y", "type": "quantitative", "title": y_title, "axis": {"labels": False, "ticks": False}}}


def _digit_layers(hover_images: bool, clickable: bool) -> list[dict]:
    """The dots, coloured by true digit, and each digit's number at the median of its cloud."""
    tooltip = ([{"field": "image", "type": "nominal"}] if hover_images else []) + [
        {"field": "digit", "type": "nominal", "title": "true digit"},
        {"field": "index", "type": "quantitative", "title": "test digit #"}]
    points = {"mark": {"type": "circle", "size": 22, "opacity": 0.7},
              "encoding": {"color": {"field": "digit", "type": "nominal", "title": "digit",
                                     "scale": {"domain": [str(d) for d in range(10)], "range": list(DIGIT_COLOURS)},
                                     "legend": {"orient": "right", "symbolOpacity": 1}},
                           "tooltip": tooltip}}
    # What a screen reader says of a dot (Vega's default lists every tooltip field: 250 characters of base64)
    points["transform"] = [{"calculate": "'test digit #' + datum.index + ', a ' + datum.digit", "as": "about"}]
    points["encoding"]["description"] = {"field": "about"}
    if hover_images:  # vega-tooltip shows a field named "image" as a picture
        points["transform"].append({"calculate": f"'{PICTURE_URI}' + datum.picture", "as": "image"})
    if clickable:
        points["params"] = [{"name": PICK, "select": {"type": "point", "fields": ["index"], "on": "click"}}]
    names = {"transform": [{"aggregate": [{"op": "median", "field": "x", "as": "x"},
                                          {"op": "median", "field": "y", "as": "y"}], "groupby": ["digit"]}],
             "mark": {"type": "text", "fontSize": 20, "fontWeight": "bold", "stroke": "black", "strokeWidth": 0.6},
             "encoding": {"text": {"field": "digit"}, "color": {"value": "white"}}}
    return [points, names]


def _star_layer() -> dict:
    return {"mark": {"type": "point", "shape": STAR, "size": 700, "filled": True, "color": STAR_COLOUR,
                     "stroke": "black", "strokeWidth": 1.5, "opacity": 1},
            "encoding": {"tooltip": [{"field": "digit", "type": "nominal", "title": "star"}]}}


def live_data(m: LayerMap, star: np.ndarray) -> pa.Table:
    """The live map's data: the map digits, then one row for the star, so that only data changes each second."""
    n = len(m.labels)
    return pa.table({"x": np.append(m.coords[:, 0], star[0]), "y": np.append(m.coords[:, 1], star[1]),
                     "digit": [str(d) for d in m.labels.tolist()] + ["your digit"],
                     "index": np.append(np.arange(n), -1), "star": np.arange(n + 1) == n})


def live_spec(title: str, height: int = HEIGHT) -> dict:
    """The Train page's live map (its data: live_data): the same spec every refresh, so the browser swaps the
    data in place instead of drawing a new chart; no pictures (light to resend each second), no clicks."""
    only = lambda star: {"filter": f"{'' if star else '!'}datum.star"}  # noqa: E731
    points, names = (dict(layer, transform=[only(False), *layer.get("transform", [])])
                     for layer in _digit_layers(False, False))
    return {"height": height, "title": {"text": title, "anchor": "start"}, "encoding": _axes("1st direction",
                                                                                           "2nd direction"),
            "layer": [points, names, dict(_star_layer(), transform=[only(True)])]}


def picked(event) -> int | None:
    """The test index of a clicked point in st.vega_lite_chart's selection event, or None."""
    try:
        points = event["selection"][PICK]
    except (KeyError, TypeError):
        return None
    for point in points or ():
        if isinstance(point, dict) and "index" in point:
            return int(point["index"])
    return None
