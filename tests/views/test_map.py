"""The Map page under AppTest through app.py: the active model's layer beside the pixels, the star where the model
puts the digit, a layer picker at depth 3 that falls back when a shallower model becomes active, t-SNE on request."""

import json

import numpy as np
import pyarrow as pa

from nnviz import data, network, projection
from nnviz.app import map_page, session
from nnviz.figures import projection as figures
from tests.support import deep


def maps(at) -> dict[str, tuple[dict, object]]:
    """Each map by its title: its spec and its data (a DataFrame)."""
    found = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        found[spec["title"]["text"]] = (spec, pa.ipc.open_stream(element.proto.data.data).read_all().to_pandas())
    return found


def layer_pickers(at) -> list:
    return [c for c in at.get("segmented_control") if c.key.startswith("map_layer_of_")]


def star(spec: dict) -> np.ndarray:
    values = spec["layer"][-1]["data"]["values"][0]
    return np.array([values["x"], values["y"]])


def test_the_default_model_maps_its_one_hidden_layer_beside_the_pixels(open_page, sample, default_net):
    image = data.as_float(sample.x_test[4])
    at = open_page("views/map.py", digit=image)
    assert not at.exception
    assert not layer_pickers(at)  # one hidden layer: nothing to pick
    shown = maps(at)
    assert set(shown) == {"What hidden layer 1 (128 neurons) sees", "What the raw pixels show"}
    images, labels = projection.map_digits(sample)
    expected = projection.layer_map(default_net, images, labels, 1)
    spec, rows = shown["What hidden layer 1 (128 neurons) sees"]
    assert len(rows) == projection.MAP_DIGITS
    assert np.allclose(rows[["x", "y"]].to_numpy(), expected.coords, atol=1e-4)
    assert (rows["digit"].astype(int).to_numpy() == labels).all()
    assert rows["picture"].str.len().between(100, 600).all()  # hover shows the digit's picture (tests/figures)
    assert np.allclose(star(spec), projection.place(default_net, image, expected), atol=1e-5)
    pixels = projection.layer_map(None, images, labels, projection.PIXELS)
    spec, rows = shown["What the raw pixels show"]
    assert np.allclose(star(spec), projection.place(None, image, pixels), atol=1e-5)
    assert any("can and cannot show" in e.label for e in at.expander)


def test_a_rerun_shows_the_same_map(open_page):
    at = open_page("views/map.py")
    before = maps(at)
    at.run()
    after = maps(at)
    for title, (_, rows) in before.items():
        assert rows[["x", "y"]].equals(after[title][1][["x", "y"]])


def test_at_depth_3_every_hidden_layer_can_be_picked_and_a_shallower_model_falls_back(open_page, sample):
    net = deep.random_deep_net((40, 20, 16), seed=2)
    at = open_page("views/map.py", **{session.NETWORK: ("test depth 3", net)})
    assert not at.exception
    [picker] = layer_pickers(at)
    assert picker.options == ["1 (40)", "2 (20)", "3 (16)"]
    assert "What hidden layer 3 (16 neurons) sees" in maps(at)  # the last hidden layer first
    picker.set_value(2).run()
    assert not at.exception
    images, labels = projection.map_digits(sample)
    spec, rows = maps(at)["What hidden layer 2 (20 neurons) sees"]
    assert np.allclose(rows[["x", "y"]].to_numpy(), projection.layer_map(net, images, labels, 2).coords, atol=1e-5)
    digit = data.as_float(sample.x_test[0])  # no digit of the user's: the first test digit is the star
    assert np.allclose(star(spec), rows.loc[0, ["x", "y"]].to_numpy(np.float64), atol=1e-5)
    assert np.allclose(star(spec), projection.place(net, digit, projection.layer_map(net, images, labels, 2)),
                       atol=1e-5)
    shallow = deep.random_deep_net((24,), seed=4)
    at.session_state[session.NETWORK] = ("test depth 1", shallow)
    at.run()
    assert not at.exception and not layer_pickers(at)
    assert "What hidden layer 1 (24 neurons) sees" in maps(at)


def test_tsne_on_request_maps_the_layer_and_the_pixels_and_puts_the_star_among_its_neighbours(open_page, sample,
                                                                                             monkeypatch):
    images, labels = projection.map_digits(sample, 300)  # fewer digits: t-SNE of 2,000 takes tens of seconds
    monkeypatch.setattr(map_page, "map_digits", lambda: (images, labels, figures.hover_pictures(images)))
    monkeypatch.setattr(map_page, "_CACHE", projection.MapCache())
    map_page._pixel_map.clear()
    try:
        at = open_page("views/map.py")
        assert all("of the spread" in spec["encoding"]["x"]["title"] for spec, _ in maps(at).values())  # PCA first
        at.segmented_control(key=map_page.METHOD).set_value(projection.TSNE_METHOD).run()
        assert not at.exception
        shown = maps(at)
        assert len(shown) == 2
        for spec, rows in shown.values():
            assert spec["encoding"]["x"]["title"] == "t-SNE, 1st axis" and len(rows) == 300
        spec, rows = shown["What the raw pixels show"]
        pixels = network.flatten(images).astype(np.float64)
        first = network.flatten(images[0]).astype(np.float64)  # no digit of the user's: the first test digit
        nearest = np.argsort(((pixels - first) ** 2).sum(1))[:projection.NEIGHBOURS]
        assert np.allclose(star(spec), rows.loc[nearest, ["x", "y"]].to_numpy(np.float64).mean(axis=0), atol=1e-4)
        assert any("placed among the 10 map digits" in c.value for c in at.caption)
        at.segmented_control(key=map_page.METHOD).set_value(projection.PCA_METHOD).run()
        assert all("of the spread" in spec["encoding"]["x"]["title"] for spec, _ in maps(at).values())
    finally:
        map_page._pixel_map.clear()
