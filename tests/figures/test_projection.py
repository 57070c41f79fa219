"""The map figure: its data carries the map, the star and hover images; ten told-apart colours; clicks read back."""

import base64
import io

import numpy as np
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
    rows = figures.map_data(m, figures.image_uris(images)).to_pandas()
    assert np.array_equal(rows[["x", "y"]].to_numpy(), m.coords)
    assert rows["digit"].tolist() == [str(d) for d in m.labels] and rows["index"].tolist() == list(range(300))
    assert "image" not in figures.map_data(m).column_names  # the live map leaves the pictures out


def test_hover_images_are_the_digits_themselves(sample):
    images = projection.map_digits(sample, 5)[0]
    for uri, image in zip(figures.image_uris(images), images, strict=True):
        assert uri.startswith("data:image/png;base64,")
        decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))
        assert decoded.shape == (28, 28) and np.abs(decoded / 255 - image).max() <= 1 / 255
        assert len(uri) < 1200  # 2,000 of them go to the browser with each map


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
