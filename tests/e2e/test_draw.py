"""The main interaction, as a person does it: draw digits with the mouse and read the Prediction."""

from nnviz import strokes
from tests.e2e import harness


def test_mouse_drawn_digits_are_recognised(page):
    cases = strokes.all_cases()  # every digit in six styles, including strokes begun at the top right
    results = {(d, s): harness.predicted_after_drawing(page, strokes.strokes(d, s)) for d, s in cases}
    wrong = {case: got for case, got in results.items() if got != str(case[0])}
    assert 1 - len(wrong) / len(cases) >= 0.96, wrong
    assert not harness.exceptions_on(page)


def test_strokes_begun_under_the_toolbar_corner_are_kept(page):
    # A 7 and a 5 begin with a top stroke at the top right: the stroke must not be lost.
    for digit in (7, 5):
        assert harness.predicted_after_drawing(page, strokes.strokes(digit, "top right")) == str(digit)


def test_upload_that_is_not_an_image_gets_a_clear_error(page, tmp_path):
    fake = tmp_path / "holiday.png"
    fake.write_bytes(b"this is a text file pretending to be a picture")
    page.get_by_role("tab", name="Upload").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(fake))
    error = page.locator('[data-testid="stAlert"]').filter(has_text="not a PNG or JPEG")
    error.wait_for(timeout=30_000)
    harness.wait_for_app(page)
    assert not harness.exceptions_on(page)
    assert harness.metric_value(page, "Prediction").isdigit()  # the previous digit is still shown
