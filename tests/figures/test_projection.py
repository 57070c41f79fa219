"""The map figure: its data carries the map, the star and hover images; ten told-apart colours; clicks read back."""

import base64
import io
import json

import numpy as np
import pyarrow as pa
from PIL import Image

from nnviz import projection
from nnviz.figures import common
from nnviz.figures import projection as figures
from tests.support import deep


def a_map(sample, count=300, layer=1):
    images, labels = projection.map_digits(sample, count)
    return images, projection.layer_map(deep.random_deep_net(deep.WIDTHS[2]), images, labels, layer)


def test_the_data_is_the_map_point_for_point(sample):
    images, m = a_map(sample)
    rows = figures.map_data(m, figures.hover_pictures(images)).to_pandas()
    assert np.array_equal(rows[["x", "y"]].to_numpy(), m.coords.astype(np.float32))
    assert rows["digit"].tolist() == [str(d) for d in m.labels] and rows["index"].tolist() == list(range(300))
    assert "picture" not in figures.map_data(m).column_names  # the live map leaves the pictures out


def test_hover_pictures_are_the_digits_themselves_pixel_for_pixel(sample):
    images = projection.map_digits(sample, 5)[0]
    for i, picture in enumerate(figures.hover_pictures(images)):
        decoded = Image.open(io.BytesIO(base64.b64decode(picture)))
        assert decoded.format == "WEBP" and decoded.size == (28, 28)
        assert np.array_equal(np.asarray(decoded.convert("L")), sample.x_test[i])  # lossless: the test digit itself
    assert figures.PICTURE_URI == "data:image/webp;base64,"


def test_a_map_sends_at_most_620_kB(sample):
    """2,000 hover pictures are most of a map's bytes (849 kB as PNG data URIs with 64-bit numbers); the Map page
    sends two maps on its first run."""
    images, labels = projection.map_digits(sample)
    m = projection.layer_map(None, images, labels, projection.PIXELS)
    table = figures.map_data(m, figures.hover_pictures(images))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    spec = json.dumps(figures.map_spec(m, "What hidden layer 1 (128 neurons) sees", star=np.zeros(2)))
    assert table.num_rows == projection.MAP_DIGITS
    assert sink.getvalue().size + len(spec) <= 620_000


def test_the_spec_colours_ten_digits_names_each_cloud_and_draws_the_star(sample):
    _, m = a_map(sample)
    spec = figures.map_spec(m, "a title", star=np.array([1.5, -2.0]))
    points, names, star = spec["layer"]
    scale = points["encoding"]["color"]["scale"]
    assert scale["domain"] == [str(d) for d in range(10)] and len(set(scale["range"])) == 10
    assert common.PALETTE["focus"] not in scale["range"]  # white is the star's alone
    assert names["mark"]["type"] == "text" and names["transform"][0]["groupby"] == ["digit"]
    assert star["data"]["values"][0]["x"] == 1.5 and star["data"]["values"][0]["y"] == -2.0
    assert star["mark"]["color"] == common.PALETTE["focus"]
    assert [t["field"] for t in points["encoding"]["tooltip"]][0] == "image"  # vega-tooltip shows it as a picture
    assert points["transform"][-1] == {"calculate": f"'{figures.PICTURE_URI}' + datum.picture", "as": "image"}
    assert points["encoding"]["description"] == {"field": "about"}  # a screen reader hears no base64
    assert points["params"][0]["name"] == figures.PICK
    assert f"{m.projection.explained[0]:.0%}" in spec["encoding"]["x"]["title"]


def test_a_live_map_has_no_pictures_nor_clicks(sample):
    _, m = a_map(sample)
    points = figures.map_spec(m, "live", hover_images=False, clickable=False)["layer"][0]
    assert "params" not in points and "image" not in [t["field"] for t in points["encoding"]["tooltip"]]
    assert len(figures.map_spec(m, "no star")["layer"]) == 2


def test_a_click_reads_back_as_the_digits_index():
    assert figures.picked({"selection": {figures.PICK: [{"index": 17}]}}) == 17
    assert figures.picked({"selection": {figures.PICK: []}}) is None
    assert figures.picked({"selection": {}}) is None
    assert figures.picked(None) is None


def test_the_live_map_keeps_one_spec_and_carries_the_star_in_its_data(sample):
    _, m = a_map(sample)
    rows = figures.live_data(m, np.array([0.5, 0.25])).to_pandas()
    assert len(rows) == len(m.labels) + 1 and rows["star"].sum() == 1
    assert rows.loc[rows["star"], ["x", "y"]].to_numpy().tolist() == [[0.5, 0.25]]
    assert np.array_equal(rows.loc[~rows["star"], ["x", "y"]].to_numpy(), m.coords)
    spec = figures.live_spec("live")
    assert spec == figures.live_spec("live")  # nothing in it depends on the frame
    points, names, star = spec["layer"]
    assert points["transform"][0] == names["transform"][0] == {"filter": "!datum.star"}
    assert star["transform"] == [{"filter": "datum.star"}] and star["mark"]["color"] == common.PALETTE["focus"]
    assert "params" not in points
