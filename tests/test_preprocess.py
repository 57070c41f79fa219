"""Preprocessing: MNIST's recipe, fidelity on real digits, drawn digits, and every bad input."""

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from nnviz import canvas, data, model, network, preprocess
from tests.support import strokes


@pytest.fixture(scope="module")
def net():
    return model.to_network(model.load_default_model())


def png(array, mode=None, fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format=fmt)
    return buffer.getvalue()


def drawn(digit=3, style="neat"):
    return strokes.rasterise(strokes.strokes(digit, style))


def test_result_is_mnist_shaped_and_centred():
    result = preprocess.from_canvas(drawn(7))
    image = result.image
    assert result.ok and image.shape == (28, 28) and image.dtype == np.float32
    assert 0 <= image.min() and image.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(image > 0.1)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 <= 21  # longest side scaled to 20 px (+1 for anti-aliasing)
    mass = image.sum()
    cy, cx = (np.indices(image.shape) * image).reshape(2, -1).sum(1) / mass
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1  # centre of mass at the centre
    assert [name for name, _ in result.steps] == ["Your ink", "Cropped to the ink", "Longest side 20 px",
                                                  "Centred in 28×28"]


def test_fidelity_real_digits_upscaled_keep_the_accuracy(net):
    """Raw MNIST test digits vs the same digits upscaled to canvas size and preprocessed again."""
    sample = data.load_sample()
    x, y = sample.x_test[:1000], sample.y_test[:1000]
    raw = (network.predict_proba(net, data.as_float(x)).argmax(1) == y).mean()
    again = []
    for image in x:
        big = np.asarray(Image.fromarray(image).resize((canvas.WIDTH, canvas.WIDTH), Image.Resampling.BILINEAR))
        again.append(preprocess.from_array(big).image)
    redone = (network.predict_proba(net, np.stack(again)).argmax(1) == y).mean()
    assert redone >= raw - 0.01, (raw, redone)


def test_stroke_drawn_digits_are_recognised(net):
    cases = strokes.all_cases()
    correct = sum(network.forward(net, preprocess.from_canvas(drawn(d, s)).image).prediction == d for d, s in cases)
    assert len(cases) >= 60 and correct / len(cases) >= 0.96


def test_strokes_starting_at_the_top_right_stay_below_the_toolbar_band():
    for digit in range(10):
        paths = strokes.strokes(digit, "top right")
        assert min(y for path in paths for _, y in path) > canvas.BAND
        assert max(x for path in paths for x, _ in path) > canvas.WIDTH * 0.75


def test_canvas_with_black_opaque_background_reads_the_same():
    transparent = drawn(5)
    opaque = transparent.copy()
    opaque[..., 3] = 255  # the canvas may send its black background as opaque pixels
    np.testing.assert_allclose(preprocess.from_canvas(opaque).image, preprocess.from_canvas(transparent).image)


@pytest.mark.parametrize("paint, message", [
    (lambda a: a, "Draw a digit"),                                   # blank canvas
    (lambda a: a.__setitem__((slice(150, 156), slice(140, 146)), 255), "too small"),  # a single dot
    (lambda a: a.__setitem__(Ellipsis, 255), "fills most"),          # fully painted canvas
])
def test_no_digit_inputs_give_a_message_not_an_exception(paint, message):
    pixels = np.zeros((canvas.HEIGHT, canvas.WIDTH, 4), np.uint8)
    paint(pixels)
    result = preprocess.from_canvas(pixels)
    assert not result.ok and message in result.message


def test_dark_ink_on_light_paper_is_inverted():
    light = 255 - drawn(2)[..., 0]  # black 2 on white paper, as a scan or photo
    assert preprocess.from_upload(png(light)).image is not None
    np.testing.assert_allclose(preprocess.from_upload(png(light)).image,
                               preprocess.from_canvas(drawn(2)).image, atol=0.02)


def test_grey_paper_photo_is_normalised(net):
    photo = (200 - drawn(4)[..., 0].astype(np.int16) * 150 // 255).astype(np.uint8)  # dark grey ink on grey paper
    assert network.forward(net, preprocess.from_upload(png(photo, fmt="JPEG")).image).prediction == 4


def test_sixteen_bit_png_is_read():
    grey16 = drawn(6)[..., 0].astype(np.uint16) * 257
    image = Image.fromarray(grey16)  # 16-bit greyscale ('I;16')
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    result = preprocess.from_upload(buffer.getvalue())
    np.testing.assert_allclose(result.image, preprocess.from_canvas(drawn(6)).image, atol=0.02)


def test_transparency_marks_the_strokes_whatever_their_colour():
    black_on_clear = drawn(8).copy()
    black_on_clear[..., :3] = 0  # black strokes on a transparent background
    np.testing.assert_allclose(preprocess.from_upload(png(black_on_clear)).image,
                               preprocess.from_canvas(drawn(8)).image, atol=0.02)


@pytest.mark.parametrize("side", [1, 3000])
def test_blank_upload_says_the_image_looks_blank_not_that_the_canvas_is_empty(side):
    result = preprocess.from_upload(png(np.full((side, side), 255, np.uint8)))
    assert not result.ok and result.message == preprocess.BLANK_UPLOAD
    assert "canvas" not in result.message


def _as_mode(grey: np.ndarray, mode: str) -> Image.Image:
    """A dark-on-light grey digit as an image of another mode (for the transparent one: black ink on clear)."""
    image = Image.fromarray(grey)
    if mode == "I;16":
        return Image.fromarray(grey.astype(np.uint16) * 257)
    if mode == "RGBA":
        clear = np.zeros((*grey.shape, 4), np.uint8)
        clear[..., 3] = 255 - grey
        return Image.fromarray(clear)
    return image.convert(mode)


@pytest.mark.parametrize("mode, fmt", [("L", "PNG"), ("RGB", "PNG"), ("RGBA", "PNG"), ("P", "PNG"),
                                       ("I;16", "PNG"), ("1", "PNG"), ("RGB", "JPEG"), ("CMYK", "JPEG")])
def test_big_uploads_are_shrunk_before_reading_and_give_the_same_digit(net, mode, fmt):
    """Issue 13: big uploads were read at full size (2 GB at the cap); now they are shrunk to at most
    WORK_SIDE px before any float maths, and still read like the same picture at canvas size."""
    for digit in (0, 4, 7):
        grey = 255 - drawn(digit)[..., 0]  # a dark digit on light paper
        small = _as_mode(grey, mode)
        big = small.resize((small.width * 11, small.height * 11), Image.Resampling.NEAREST)
        buffer, reference = io.BytesIO(), io.BytesIO()
        big.save(buffer, format=fmt)
        small.save(reference, format=fmt)
        result = preprocess.from_upload(buffer.getvalue())
        assert max(max(image.shape) for _, image in result.steps) <= preprocess.WORK_SIDE
        expected = preprocess.from_upload(reference.getvalue()).image
        np.testing.assert_allclose(result.image, expected, atol=0.15)
        assert network.forward(net, result.image).prediction == network.forward(net, expected).prediction


def test_uploads_up_to_the_working_size_are_read_exactly_as_before():
    """Normal uploads are not resampled at all: the same pixels as reading the whole array."""
    grey = 255 - drawn(5)[..., 0]
    assert max(grey.shape) <= preprocess.WORK_SIDE
    result = preprocess.from_upload(png(grey))
    np.testing.assert_array_equal(result.image, preprocess.from_array(grey).image)
    np.testing.assert_array_equal(result.steps[0][1], preprocess.from_array(grey).steps[0][1])


@pytest.mark.parametrize("payload, message", [
    (b"%PDF-1.4 definitely not an image", "not a PNG or JPEG"),
    (b"", "not a PNG or JPEG"),
    (b"x" * (preprocess.MAX_UPLOAD_BYTES + 1), "MB"),
])
def test_bad_files_raise_a_clear_error(payload, message):
    with pytest.raises(preprocess.BadImage, match=message):
        preprocess.from_upload(payload)


def test_truncated_png_is_reported():
    data_ = png(drawn(1)[..., 0])
    with pytest.raises(preprocess.BadImage, match="damaged or truncated"):
        preprocess.from_upload(data_[: len(data_) // 2])


def test_other_formats_are_refused():
    buffer = io.BytesIO()
    Image.fromarray(drawn(1)[..., 0]).save(buffer, format="GIF")
    with pytest.raises(preprocess.BadImage, match="GIF"):
        preprocess.from_upload(buffer.getvalue())


@pytest.mark.parametrize("side", [6_000, 20_000])  # over nnviz's cap; over Pillow's own bomb limit
def test_decompression_bomb_is_refused_before_decoding(side):
    # A tiny file that claims side × side pixels: refused from its header, never expanded.
    bomb = Image.new("1", (side, side))
    buffer = io.BytesIO()
    bomb.save(buffer, format="PNG", optimize=True)
    assert len(buffer.getvalue()) < preprocess.MAX_UPLOAD_BYTES
    with pytest.raises(preprocess.BadImage, match="too large"):
        preprocess.from_upload(buffer.getvalue())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hnp.arrays(
    dtype=st.sampled_from([np.uint8, np.uint16, np.int32, np.int64, np.float32, np.float64, np.bool_]),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=40)))
def test_any_array_gives_a_valid_digit_or_a_clear_value_error(array):
    try:
        result = preprocess.from_array(array)
    except ValueError as exc:
        assert str(exc)  # a message the UI can show
        return
    if result.ok:
        assert result.image.shape == (28, 28) and result.image.dtype == np.float32
        assert np.isfinite(result.image).all() and 0 <= result.image.min() and result.image.max() <= 1
    else:
        assert result.message
