"""The Draw page's upload under AppTest: re-uploads count, blank uploads say so, big uploads stay small."""

import io

import numpy as np
from PIL import Image

from nnviz import preprocess
from nnviz.app import session
from tests.support import strokes, upload_memory


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _digit_png(digit: int = 3) -> bytes:
    return _png(Image.fromarray(255 - strokes.rasterise(strokes.strokes(digit, "neat"))[..., 0]))


def _upload(at, name: str, payload: bytes):
    at.file_uploader[0].set_value((name, payload, "image/png")).run()
    assert not at.exception
    return at.session_state[session.DIGIT]


def _pick_test_digit(at):
    [picker] = [b for b in at.button if b.label == "Random test digit"]
    picker.click().run()
    assert not at.exception
    return at.session_state[session.DIGIT]


def test_uploading_the_same_file_again_after_a_test_digit_takes_effect(open_page):
    """Issue 13: the re-upload was silently ignored (same bytes, so the same hash as before)."""
    at = open_page()
    payload = _digit_png(3)
    assert _upload(at, "three.png", payload).source == "upload three.png"
    assert _pick_test_digit(at).source.startswith("test digit #")
    again = _upload(at, "three.png", payload)
    assert again.source == "upload three.png"
    np.testing.assert_array_equal(again.image, preprocess.from_upload(payload).image)


def test_a_test_digit_picked_while_a_file_stays_uploaded_stays(open_page):
    """The uploader hands its file back on every rerun: that must not take the digit back."""
    at = open_page()
    _upload(at, "three.png", _digit_png(3))
    picked = _pick_test_digit(at)
    at.run()
    assert at.session_state[session.DIGIT].source == picked.source
    np.testing.assert_array_equal(at.session_state[session.DIGIT].image, picked.image)


def test_a_blank_upload_says_the_image_looks_blank(open_page):
    """Issue 13: a blank 1×1 upload said "Draw a digit: the canvas is empty"."""
    at = open_page()
    at.file_uploader[0].set_value(("blank.png", _png(Image.new("L", (1, 1), 255)), "image/png")).run()
    assert not at.exception
    shown = [element.value for element in [*at.info, *at.error]]
    assert preprocess.BLANK_UPLOAD in shown
    assert not any("canvas" in text for text in shown)


def test_an_upload_at_the_pixel_cap_keeps_only_small_step_images(open_page):
    """Issue 13: the full-size 5000×5000 step images stayed in session state and were re-sent on every rerun."""
    at = open_page()
    digit = _upload(at, "big.png", upload_memory.cap_png())
    assert digit.source == "upload big.png" and digit.stages
    assert max(max(image.shape) for _, image in digit.stages) <= preprocess.WORK_SIDE
