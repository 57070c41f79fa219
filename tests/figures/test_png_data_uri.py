"""Pictures sent inside the page's message: the data URI holds exactly the pixels it was given."""

import base64
import io

import numpy as np
from PIL import Image

from nnviz.figures.common import boxed, pixelated, png_data_uri


def _decoded(uri: str) -> np.ndarray:
    head, data = uri.split(",", 1)
    assert head == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


def test_a_picture_comes_back_pixel_for_pixel():
    rng = np.random.default_rng(3)
    digit = rng.random((28, 28)).astype(np.float32)
    for picture in (pixelated(digit, 112), boxed(rng.random((280, 200)))):
        decoded = _decoded(png_data_uri(picture))
        assert decoded.dtype == np.uint8 and decoded.shape == picture.shape
        np.testing.assert_array_equal(decoded, picture)
