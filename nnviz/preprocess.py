"""Turn a canvas drawing or an uploaded image into a 28×28 digit the way MNIST was made.

MNIST's recipe: crop to the ink, scale the longest side to 20 px with anti-aliasing (keeping the
aspect ratio), then place it in a 28×28 field so that its centre of mass sits at the centre.
Uploads are first decoded small (at most WORK_SIDE px), so memory stays bounded up to the pixel cap.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

INK_THRESHOLD = 0.1          # ink weaker than this is noise, not a stroke
MIN_EXTENT = 0.08            # a digit spans at least 8% of the image's shorter side (a dot does not)
MAX_FILL = 0.5               # more than half the image inked is a filled canvas, not a digit
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000      # bigger images are refused before decoding (decompression bombs)
UPLOAD_FORMATS = {"PNG", "JPEG"}
WORK_SIDE = 512              # uploads are shrunk to at most this long side before any float maths
BAND_PIXELS = 2 ** 20        # big uploads are shrunk a band of rows at a time, ~1 megapixel each
EMPTY_CANVAS = "Draw a digit: the canvas is empty."
BLANK_UPLOAD = "That image looks blank: no digit found. Try a photo of a dark digit on a light background."


class BadImage(ValueError):
    """An input that cannot be turned into a digit; the message is meant for the user."""


@dataclass(frozen=True)
class Preprocessed:
    """The 28×28 result (None when there is no digit) plus each step, for the UI to show."""

    image: np.ndarray | None
    steps: tuple[tuple[str, np.ndarray], ...]
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.image is not None


def _as_float(array: np.ndarray) -> np.ndarray:
    """Any numeric array → float64 in [0, 1], scaled by its dtype."""
    if array.dtype == bool:
        return array.astype(np.float64)
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        scale = 255.0 if info.max <= 255 else float(info.max)
        return np.clip(array.astype(np.float64), 0, None) / scale
    if np.issubdtype(array.dtype, np.floating):
        values = array.astype(np.float64)
        if not np.isfinite(values).all():
            raise BadImage("The image contains NaN or infinite values.")
        if values.max(initial=0) > 1.0:  # a float image on the 0–255 scale
            values = values / 255.0
        return np.clip(values, 0.0, 1.0)
    raise BadImage(f"Pixels of type {array.dtype} are not an image.")


def ink_of(array: np.ndarray) -> np.ndarray:
    """Grey (H,W) or RGB/RGBA (H,W,C) pixels → ink intensity in [0, 1], bright ink on dark."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] in (1, 2, 3, 4):
        channels = _as_float(array)
        colour, alpha = (channels[..., :-1], channels[..., -1]) if array.shape[2] in (2, 4) else (channels, None)
        grey = colour.mean(axis=2) if colour.shape[2] > 1 else colour[..., 0]
    elif array.ndim == 2:
        grey, alpha = _as_float(array), None
    else:
        raise BadImage(f"An image must be H×W grey or H×W×(1–4) colour pixels, not shape {array.shape}.")
    if grey.size == 0:
        raise BadImage("The image is empty.")
    if grey.size > MAX_PIXELS:
        raise BadImage(f"The image is too large ({grey.size:,} pixels).")
    if alpha is not None and alpha.min() < 0.99 and alpha.max() > 0:
        # Transparency decides what is drawn: the opaque pixels are the strokes.
        opaque_grey = (grey * alpha).sum() / alpha.sum()
        return alpha * (grey if opaque_grey >= 0.5 else 1.0 - grey)
    # No transparency: the border tells the paper colour; dark ink on light paper is inverted.
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    ink = 1.0 - grey if paper > 0.5 else grey
    background = min(paper, 1.0 - paper)
    top = ink.max()
    return np.clip((ink - background) / (top - background), 0, 1) if top - background > INK_THRESHOLD else ink * 0


def _centre_by_mass(small: np.ndarray) -> np.ndarray:
    """Place a ≤20×20 image in 28×28 so its centre of mass lands on the centre (13.5, 13.5)."""
    h, w = small.shape
    rows, cols = np.indices(small.shape)
    mass = small.sum()
    cy, cx = (rows * small).sum() / mass, (cols * small).sum() / mass
    top = int(np.clip(round(13.5 - cy), 0, 28 - h))
    left = int(np.clip(round(13.5 - cx), 0, 28 - w))
    field = np.zeros((28, 28), np.float32)
    field[top:top + h, left:left + w] = small
    return field


def to_mnist(ink: np.ndarray, empty: str = EMPTY_CANVAS) -> Preprocessed:
    """Ink intensities (H,W) in [0,1] → the MNIST-style 28×28 digit, with every step.

    empty: the message when there is no ink at all (a blank canvas and a blank upload need different words).
    """
    steps = [("Your ink", ink.astype(np.float32))]
    mask = ink > INK_THRESHOLD
    if not mask.any():
        return Preprocessed(None, tuple(steps), empty)
    if mask.mean() > MAX_FILL:
        return Preprocessed(None, tuple(steps), "That fills most of the image; draw a single digit instead.")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    if max(bottom - top, right - left) < MIN_EXTENT * min(ink.shape):
        return Preprocessed(None, tuple(steps), "That is too small to read: draw the digit bigger.")
    cropped = ink[top:bottom, left:right]
    steps.append(("Cropped to the ink", cropped.astype(np.float32)))
    scale = 20.0 / max(cropped.shape)
    size = (max(1, round(cropped.shape[1] * scale)), max(1, round(cropped.shape[0] * scale)))
    # Pillow's resampling integrates over the source pixels when shrinking: true anti-aliasing.
    small = np.asarray(Image.fromarray(cropped.astype(np.float32), mode="F")
                       .resize(size, Image.Resampling.LANCZOS))
    small = np.clip(small, 0.0, 1.0)
    if small.max() > 0:
        small = small / small.max()  # thin strokes lose contrast when shrunk; MNIST strokes peak at 1
    steps.append(("Longest side 20 px", small.astype(np.float32)))
    if small.sum() <= 0:
        return Preprocessed(None, tuple(steps), "That is too faint to read: draw with a thicker stroke.")
    digit = _centre_by_mass(small)
    steps.append(("Centred in 28×28", digit))
    return Preprocessed(digit, tuple(steps))


def from_array(array: np.ndarray) -> Preprocessed:
    """Any grey/colour pixel array (paper colour detected) → Preprocessed. Raises BadImage."""
    return to_mnist(ink_of(array))


def from_canvas(rgba: np.ndarray) -> Preprocessed:
    """The drawing canvas's RGBA pixels: white strokes on a transparent or black background.

    The convention is known, so nothing is inverted: a fully painted canvas reads as "filled".
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise BadImage(f"The canvas sent pixels of shape {rgba.shape}, not RGBA.")
    if rgba.dtype == np.uint8:
        # The hot path (every stroke): Pillow's C code splits the channels much faster than
        # float arithmetic on the whole canvas would.
        image = Image.fromarray(rgba, "RGBA")
        grey = np.asarray(image.convert("L"), np.float32)
        alpha = np.asarray(image.getchannel("A"), np.float32)
        return to_mnist(grey * alpha * np.float32(1 / 65025))
    channels = _as_float(rgba)
    return to_mnist(channels[..., :3].mean(axis=2) * channels[..., 3])


def _working_mode(image: Image.Image) -> str:
    """The mode the pixels are read in: grey/colour as they are, 16-bit grey as float, others via Pillow."""
    if image.mode in ("RGBA", "LA", "RGB", "L"):
        return image.mode
    if image.mode.startswith("I"):
        return "F"  # 16-bit grey (I;16…, or I from older encoders): exact in float32
    # palettes, CMYK, 1-bit…: colour, keeping transparency when there is some
    return "RGBA" if "transparency" in image.info or image.mode in ("PA", "RGBa") else "RGB"


def _decode_small(image: Image.Image) -> Image.Image:
    """Decode an opened upload to at most WORK_SIDE px on its longest side, keeping the aspect ratio.

    A digit needs no more, and memory stays bounded: a JPEG is decoded straight at 1/2, 1/4 or 1/8
    scale; any other image is box-averaged by a whole factor one band of rows at a time, so no
    full-size conversion (to colour, to float…) ever exists. Images already small are left as they are.
    """
    width, height = image.size
    shrink = max(width, height) / WORK_SIDE
    if image.format == "JPEG" and shrink >= 2:
        image.draft(None, (max(1, math.ceil(width / shrink)), max(1, math.ceil(height / shrink))))
    image.load()
    mode, (width, height) = _working_mode(image), image.size
    factor = math.ceil(max(width, height) / WORK_SIDE)
    if factor == 1:
        return image if image.mode == mode else image.convert(mode)
    small = Image.new(mode, (math.ceil(width / factor), math.ceil(height / factor)))
    rows = factor * max(1, BAND_PIXELS // (width * factor))  # whole blocks per band: same result as one reduce
    for top in range(0, height, rows):
        band = image.crop((0, top, width, min(top + rows, height)))
        band = band if band.mode == mode else band.convert(mode)
        small.paste(band.reduce(factor), (0, top // factor))
    return small


def from_upload(data: bytes) -> Preprocessed:
    """An uploaded PNG/JPEG file's bytes → Preprocessed. Raises BadImage with a clear message."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadImage(f"That file is {len(data) / 1e6:.1f} MB; "
                       f"images up to {MAX_UPLOAD_BYTES // 2**20} MB are accepted.")
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:  # Pillow refuses absurd sizes from the header alone
        raise BadImage("That image is far too large to be a digit.") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise BadImage("That file is not a PNG or JPEG image.") from None
    if image.format not in UPLOAD_FORMATS:
        raise BadImage(f"That is a {image.format} file; please upload a PNG or JPEG image.")
    width, height = image.size
    if width * height > MAX_PIXELS:  # checked before decoding, so a bomb never expands
        raise BadImage(f"That image is {width}×{height} pixels, too large to be a digit.")
    try:
        small = _decode_small(image)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise BadImage("That image is damaged or truncated; it could not be decoded.") from None
    pixels = np.asarray(small)
    if small.mode == "F":
        pixels = pixels.astype(np.float64) / 65535.0  # 16-bit grey
    return to_mnist(ink_of(pixels), BLANK_UPLOAD)
