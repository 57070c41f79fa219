"""Flatten figures: both views show the same pixels at the same place, and the animation ends as the input."""

import numpy as np
import plotly.io as pio
import pytest

from nnviz import anatomy, data, network
from nnviz.figures import flatten
from nnviz.figures.common import PALETTE


@pytest.fixture(scope="module")
def image():
    return data.as_float(data.load_sample().x_test[5])


def rects(fig):
    return [s for s in fig.layout.shapes if s.type == "rect"]


def test_square_outlines_the_picked_row_and_pixel(image):
    fig = flatten.square(image, 9, 17)
    np.testing.assert_array_equal(fig.data[0].z, image)
    row, rim, pixel = rects(fig)
    assert (row.y0, row.y1, row.x0, row.x1) == (8.5, 9.5, -0.5, 27.5)
    assert (rim.x0, rim.y0) == (pixel.x0, pixel.y0) and rim.line.width > pixel.line.width  # a rim under the outline
    assert row.line.color == pixel.line.color == PALETTE["focus"]
    assert (pixel.x0, pixel.x1, pixel.y0, pixel.y1) == (16.5, 17.5, 8.5, 9.5)


def test_strip_is_the_input_vector_with_row_bands_and_the_same_highlight(image):
    fig = flatten.strip(image, 9, 17)
    heat = fig.data[0]
    np.testing.assert_array_equal(np.asarray(heat.z)[0], network.flatten(image))
    rc = np.asarray(heat.customdata)[0]  # hover: which (row, col) each input index came from
    np.testing.assert_array_equal(anatomy.flat_index(rc[:, 0], rc[:, 1]), np.arange(784))
    shapes = rects(fig)
    bands = shapes[:28]
    assert [(b.x0 + 0.5, b.x1 + 0.5) for b in bands] == [anatomy.row_band(r) for r in range(28)]
    row, _, pixel = shapes[28:]
    assert (row.x0 + 0.5, row.x1 + 0.5) == anatomy.row_band(9)
    assert pixel.x0 + 0.5 == 28 * 9 + 17
    assert "indices 252…279" in fig.layout.annotations[0].text
    assert len(fig.layout.title.text) <= 45  # issue 12: a longer title was cut off on a 390 px phone


def test_row_zoom_shows_that_rows_values_with_their_indices(image):
    fig = flatten.row_zoom(image, 12, 3)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z)[0], image[12])
    assert list(fig.data[0].x) == [str(i) for i in range(336, 364)]
    assert rects(fig)[-1].x0 == 2.5 and rects(fig)[-1].line.color == PALETTE["focus"]


def test_row_zoom_numbers_fit_their_cells_or_are_left_out(image):
    """Issue 12: the heatmap's own numbers never shrink nor hide, and ran into each other on a 390 px phone."""
    fig = flatten.row_zoom(image, 12, 3)
    heat, numbers = fig.data
    assert heat.texttemplate is None and heat.text is None
    assert [t.strip("\u2007\u2008") for t in numbers.text] == [flatten._short(v) for v in image[12]]
    assert len(set(map(len, numbers.text))) == 1  # all as wide: all show, or none (never only the zeros)
    assert list(numbers.x) == list(heat.x)
    assert numbers.textangle == 0 and numbers.textposition == "inside" and numbers.hoverinfo == "skip"
    assert fig.layout.uniformtext.mode == "hide" and fig.layout.uniformtext.minsize == flatten.NUMBER_PX
    ink = [i for i, v in enumerate(image[12]) if v > 0.5]
    assert ink and all(numbers.insidetextfont.color[i] == "#000000" for i in ink)  # dark on light ink


def test_animation_moves_one_row_per_frame_and_ends_as_the_input(image):
    fig = flatten.animation(image)
    assert len(fig.frames) == 29 and fig.layout.updatemenus[0].buttons[0].label.endswith("Play")
    for k in (0, 1, 14, 28):
        square, line = (np.asarray(t.z, float) for t in fig.frames[k].data)
        assert np.isnan(square[:k]).all() and np.array_equal(square[k:], image[k:])
        np.testing.assert_array_equal(line[0, :28 * k], network.flatten(image)[:28 * k])
        assert np.isnan(line[0, 28 * k:]).all()
    assert "row 4 → inputs 112…139" in fig.frames[5].layout.title.text
    assert len(pio.to_json(fig)) < 400_000  # small enough to send on every rerun
