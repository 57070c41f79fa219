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


def _uploader_script():
    """digit_choice.take_input fed by a real file uploader, as the Draw page feeds it."""
    import streamlit as st

    from nnviz import preprocess
    from nnviz.app import digit_choice

    st.button("Random test digit", on_click=digit_choice.pick_test_digit)
    upload = st.file_uploader("A digit")
    if upload is not None:
        digit_choice.take_input(f"upload {upload.name}", upload.getvalue(),
                                lambda: preprocess.from_upload(upload.getvalue()), token=upload.file_id)


def test_take_input_takes_a_re_upload_but_not_the_file_handed_back_on_a_rerun():
    from streamlit.testing.v1 import AppTest

    from nnviz.app import session
    from tests.views.test_draw_upload import _digit_png

    at = AppTest.from_function(_uploader_script, default_timeout=60).run()
    payload = _digit_png(3)
    at.file_uploader[0].set_value(("three.png", payload, "image/png")).run()
    assert at.session_state[session.DIGIT].source == "upload three.png"
    at.button[0].click().run()
    picked = at.session_state[session.DIGIT]
    assert picked.source.startswith("test digit #")
    at.run()  # the uploader hands the same file back: the test digit stays
    assert at.session_state[session.DIGIT].source == picked.source
    at.file_uploader[0].set_value(("three.png", payload, "image/png")).run()  # the same file, uploaded again
    assert not at.exception and at.session_state[session.DIGIT].source == "upload three.png"
