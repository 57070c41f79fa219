"""Weights figures: tiles, one neuron, the output kernel and histograms show the model's exact weights."""

import time

import numpy as np
import plotly.io as pio
import pytest

from nnviz import anatomy, data
from nnviz.figures import weights
from tests.support import deep
from tests.test_anatomy import random_net


@pytest.fixture(scope="module")
def image():
    return data.as_float(data.load_sample().x_test[2])


def test_mosaic_shows_each_tile_with_its_neuron_and_labels():
    net = random_net(70)
    tiles = anatomy.tile_mosaic(net.w1, np.array([5, 60, 2]), columns=2, header=8)
    fig = weights.mosaic(tiles, 0.3, "t")
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    ys, xs = tiles.origins()
    for n, y, x, heat in zip([5, 60, 2], ys, xs, heatmaps, strict=True):
        np.testing.assert_allclose(heat.z, net.w1[:, n].reshape(28, 28), rtol=1e-6)
        assert (heat.x0, heat.y0) == (x, y) and heat.hovertemplate.startswith(f"neuron {n}<br>")
    axis = fig.layout.coloraxis
    assert (axis.cmin, axis.cmid, axis.cmax) == (-0.3, 0, 0.3)  # diverging, centred on 0
    assert list(fig.data[-1].text) == ["#5", "#60", "#2"]
    np.testing.assert_array_equal(fig.data[-1].y, ys - 0.5)  # labels in the header band above each tile


def test_mosaic_of_64_tiles_at_width_1024_stays_light():
    net = random_net(1024)
    tiles = anatomy.tile_mosaic(net.w1, anatomy.page_of(np.arange(1024), 15, 64), columns=16, header=8)  # as the page
    fig = weights.mosaic(tiles, anatomy.symmetric_range(net.w1))
    assert len(fig.data) == 65 and fig.data[-1].text[-1] == "#1023"
    start = time.perf_counter()
    size = len(pio.to_json(fig, validate=False))
    assert size < 400_000, size  # binary-encoded float32 tiles, not megabytes of JSON numbers
    assert time.perf_counter() - start < 2  # generous: only catches a per-cell Python loop


def test_one_neuron_up_close(image):
    net = random_net(20)
    tiles, outputs = weights.neuron_tiles(net, 11, image), weights.neuron_outputs(net, 11)
    np.testing.assert_allclose(tiles.data[0].z, net.w1[:, 11].reshape(28, 28))
    np.testing.assert_allclose(tiles.data[1].z, net.w1[:, 11].reshape(28, 28) * image)
    np.testing.assert_allclose(outputs.data[0].y, net.w2[11])
    # Issue 12: three panel titles in one figure overlapped on a phone; each figure's titles fit its half.
    assert all(len(a.text) <= 20 for a in tiles.layout.annotations)


def test_output_kernel_is_the_transposed_second_kernel_and_biases():
    net = random_net(33)
    fig = weights.output_kernel(net)
    np.testing.assert_allclose(fig.data[0].z, net.w2.T)
    assert list(fig.data[0].y) == [str(d) for d in range(10)]
    np.testing.assert_allclose(fig.data[1].x, net.b2)


def test_histograms_one_panel_per_tensor_one_series_per_model():
    hists = anatomy.weight_histograms({"trained": random_net(16, seed=1), "fresh": random_net(16, seed=2)})
    fig = weights.histograms(hists)
    assert len(fig.data) == 8 and [a.text for a in fig.layout.annotations] == [h.name for h in hists]
    np.testing.assert_array_equal(fig.data[0].y, hists[0].counts["trained"])
    np.testing.assert_array_equal(fig.data[7].y, hists[3].counts["fresh"])
    assert fig.layout.barmode == "overlay"


def test_a_deeper_neuron_up_close_in_pixel_space(image):
    net = deep.random_deep_net((40, 20, 16), seed=3)
    composed = anatomy.composed_weights(net, image, 1, [7])
    tiles = weights.neuron_tiles(net, 7, image, composed=composed)
    np.testing.assert_allclose(tiles.data[0].z, composed.effective_weights[0])
    np.testing.assert_allclose(tiles.data[1].z, composed.pixels[0])
    titles = [a.text for a in tiles.layout.annotations]
    assert all(len(t) <= 20 for t in titles) and "pixel space" in titles[0]
    to_next = weights.neuron_outputs(net, 7, layer=1)
    np.testing.assert_allclose(to_next.data[0].y, net.kernels[2][7])
    assert to_next.layout.xaxis.title.text == "layer 3 neuron"
    to_digits = weights.neuron_outputs(net, 3, layer=2)
    np.testing.assert_allclose(to_digits.data[0].y, net.kernels[3][3])
    assert list(to_digits.data[0].x) == [str(d) for d in range(10)]


def test_a_layers_raw_kernel():
    net = deep.random_deep_net((40, 20, 16), seed=3)
    fig = weights.layer_kernel(net, 1)
    np.testing.assert_allclose(fig.data[0].z, net.kernels[1].T)
    assert fig.data[0].zmin == -fig.data[0].zmax and "40 × 20" in fig.layout.title.text
