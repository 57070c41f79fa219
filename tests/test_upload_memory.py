"""Uploads at the pixel cap cost bounded memory (issue 13): measured as peak RSS in a fresh process.

The child process reads its own VmHWM (peak resident set) around the upload, which counts Pillow's C
buffers as well as numpy's; tracemalloc would miss Pillow's decoded images. See tests/support/upload_memory.py.
Time is not asserted here: the ≤ 1 s target lives in the benchmark (upload_peak_mb_at_cap).
"""

import pytest

from nnviz import preprocess
from tests.support import upload_memory


@pytest.fixture(scope="module")
def cap_png():
    return upload_memory.cap_png()


def test_an_upload_at_the_pixel_cap_costs_at_most_150_mb(cap_png):
    figures = upload_memory.measure([cap_png])
    assert figures["ok"] == [True]
    assert figures["extra_mb"] <= 150, figures  # was 1,509 MB


def test_three_uploads_at_the_cap_at_once_stay_under_500_mb(cap_png):
    figures = upload_memory.measure([cap_png] * 3)
    assert figures["ok"] == [True] * 3
    assert figures["extra_mb"] < 500, figures  # was 4,229 MB


def test_a_photo_sized_jpeg_is_decoded_small():
    jpeg = upload_memory.photo_jpeg()
    assert len(jpeg) <= 5_000_000  # under Streamlit's upload limit (server.maxUploadSize = 5 MB) too
    figures = upload_memory.measure([jpeg])
    assert figures["ok"] == [True]
    assert figures["extra_mb"] <= 150, figures  # was 697 MB
    assert figures["largest_step_px"] <= preprocess.WORK_SIDE
