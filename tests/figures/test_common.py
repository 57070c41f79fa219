"""The colour language: one palette, whose colours stay apart for colour-blind readers."""

import numpy as np
import pytest

from nnviz.figures.common import PALETTE, pack_tiles, symmetric_range

# Machado, Oliveira & Fernandes (2009), severity 1.0: linear-RGB matrices that simulate how a
# dichromat sees a colour (the same matrices colour-science and DaltonLens use).
MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
# Colours a reader must tell apart where they meet: the live chart, Teach's digits, highlighted bars,
# the weight scale, the confusion matrix's mistakes against its grey diagonal, the probe's lines.
MUST_DIFFER = [("training", "validation"), ("true", "wrong"), ("focus", "neutral"), ("positive", "negative"),
               ("wrong", "neutral"), ("true", "focus"), ("wrong", "focus"), ("dropped", "neutral"),
               ("dropped", "positive")]
MIN_DELTA_E = 20  # CIE76 ΔE in CIELAB; about 2.3 is just noticeable, 20 is "clearly different at a glance"


def to_linear(rgb: np.ndarray) -> np.ndarray:
    c = np.asarray(rgb, np.float64) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def to_lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.clip(linear, 0, 1) @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                                            [0.0193, 0.1192, 0.9505]]).T / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(colour: str, vision: str) -> np.ndarray:
    rgb = to_linear([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return to_lab(rgb if vision == "typical" else np.asarray(MACHADO[vision]) @ rgb)


@pytest.mark.parametrize("vision", ["typical", *MACHADO])
@pytest.mark.parametrize(("a", "b"), MUST_DIFFER)
def test_colours_that_meet_stay_apart_in_every_kind_of_vision(vision, a, b):
    assert np.linalg.norm(seen(PALETTE[a], vision) - seen(PALETTE[b], vision)) >= MIN_DELTA_E


def test_the_simulation_catches_the_old_teach_colours():
    """The check has teeth: red against grey (the old validation against training) and the old
    Teach green and amber collapse, or nearly, for some reader; the palette's pairs do not."""
    old = {"red": "#ff4b4b", "grey": "#8892a6", "green": "#3ddc84", "amber": "#ffb000"}
    worst_old = min(np.linalg.norm(seen(old["red"], v) - seen(old["grey"], v)) for v in MACHADO)
    worst_new = min(np.linalg.norm(seen(PALETTE["training"], v) - seen(PALETTE["validation"], v)) for v in MACHADO)
    assert worst_old < 40 < worst_new
    assert np.linalg.norm(seen(old["green"], "deuteranopia") - seen(old["amber"], "deuteranopia")) < \
        np.linalg.norm(seen(PALETTE["true"], "deuteranopia") - seen(PALETTE["wrong"], "deuteranopia"))


def test_each_meaning_has_its_own_colour():
    assert len(set(PALETTE.values())) == len(PALETTE)


def test_pack_tiles_places_each_tile_in_its_slot_with_gaps_and_headers():
    tiles = np.arange(5 * 2 * 3, dtype=np.float32).reshape(5, 2, 3)  # five 2×3 tiles
    image = pack_tiles(tiles, columns=2, gap=1, header=2, vgap=4)
    assert image.shape == (3 * (2 + 2 + 4) - 4, 2 * (3 + 1) - 1)
    for i, tile in enumerate(tiles):
        row, col = divmod(i, 2)
        top, left = row * 8 + 2, col * 4
        np.testing.assert_array_equal(image[top:top + 2, left:left + 3], tile)
    assert np.isnan(image).sum() == image.size - tiles.size  # everything else is gap
    owner = pack_tiles(np.broadcast_to(np.arange(5)[:, None, None], tiles.shape), 2, gap=1, fill=-1)
    assert owner.dtype.kind == "i" and sorted(set(owner.ravel())) == [-1, 0, 1, 2, 3, 4]


def test_symmetric_range_is_the_largest_magnitude_ignoring_gaps():
    assert symmetric_range(np.array([np.nan, -3.0, 2.0]), 1.0) == 3.0
    assert symmetric_range(np.array([np.nan, np.nan]), 1.0) == 1.0   # never a zero-width colour scale
    assert symmetric_range(np.zeros(4), 1.0) == 1.0
    values = np.concatenate([np.linspace(-1, 1, 10_000), [50.0]])
    assert symmetric_range(values) == pytest.approx(1.0, abs=0.01)   # a rare outlier does not wash out the rest
