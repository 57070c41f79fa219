"""Which inputs are new: reruns hand the same canvas or file back; a re-upload is new again."""

from nnviz import inputs


def test_first_payload_is_new_and_the_same_payload_handed_back_is_not():
    seen = inputs.new_input(None, b"canvas pixels")
    assert seen is not None
    assert inputs.new_input(seen, b"canvas pixels") is None  # a rerun hands the canvas back


def test_a_new_stroke_is_new():
    seen = inputs.new_input(None, b"one stroke")
    assert inputs.new_input(seen, b"two strokes") not in (None, seen)


def test_the_same_file_handed_back_on_reruns_is_not_new():
    seen = inputs.new_input(None, b"png bytes", token="file-1")
    assert inputs.new_input(seen, b"png bytes", token="file-1") is None  # e.g. after a test digit was picked


def test_uploading_the_same_file_again_is_new():
    """Issue 13: re-uploading a file after picking a test digit was silently ignored (same bytes, same hash)."""
    seen = inputs.new_input(None, b"png bytes", token="file-1")
    again = inputs.new_input(seen, b"png bytes", token="file-2")
    assert again is not None and again != seen


def test_no_payload_is_never_an_input():
    assert inputs.new_input(None, None) is None
    assert inputs.new_input(None, b"", token="file-1") is None
