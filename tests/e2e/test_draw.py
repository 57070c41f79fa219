"""The main interaction, as a person does it: draw digits with the mouse and read the Prediction."""

from tests.support import harness, strokes


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
    assert not page.locator('[data-testid="stMetric"]').count()  # no answer made up for a file that is no image


def test_the_digit_pad_has_no_toolbar_over_the_tabs(page):
    """Issue 12: after drawing, the canvas's floating toolbar covered the tab labels, and its pencil
    switched to an edit mode in which strokes drew nothing."""
    harness.predicted_after_drawing(page, strokes.strokes(7, "neat"))
    page.locator("canvas.upper-canvas").first.hover()
    toolbars = page.evaluate("""() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot)
        .flatMap(e => [...e.shadowRoot.querySelectorAll('.dc-toolbar')])
        .map(t => getComputedStyle(t).display)""")
    assert toolbars == ["none"]
    tab = page.get_by_role("tab", name="Upload")
    box = tab.bounding_box()
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('[role=tab]')?.innerText",
                        [box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.75])
    assert hit is not None and "Upload" in hit  # the lower half of the tab label is the tab's own
    tab.click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached", timeout=30_000)


def _touch_draw(page, paths) -> None:
    """Draw with touch events (as a tablet does), through Chromium's input protocol."""
    from nnviz import canvas

    cdp = page.context.new_cdp_session(page)
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    scale = box["width"] / canvas.WIDTH
    for path in paths:
        points = [(box["x"] + x * scale, box["y"] + y * scale) for x, y in path]
        start = {"x": points[0][0], "y": points[0][1]}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [start]})
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            n = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / 6))
            for k in range(1, n + 1):
                cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
                    {"x": x0 + (x1 - x0) * k / n, "y": y0 + (y1 - y0) * k / n}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_mouse_and_touch_drawn_digits_are_recognised_on_a_tablet(page):
    """Issue 12: at 820 px the Draw column was narrower than the canvas, so strokes could not start there."""
    page.set_viewport_size({"width": 820, "height": 1180})
    harness.wait_for_app(page)
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 820  # the whole canvas is on screen
    assert harness.predicted_after_drawing(page, strokes.strokes(7, "neat")) == "7"
    harness.clear_canvas(page)
    _touch_draw(page, strokes.strokes(3, "neat"))
    harness.empty_notice(page).wait_for(state="detached", timeout=30_000)
    harness.wait_for_app(page)
    assert harness.metric_value(page, "Prediction") == "3"
    assert not harness.exceptions_on(page)


def test_presenter_link_opens_a_bigger_pad_that_still_reads_digits(page, app_url):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_url}/?presenter=1")
    page.locator("canvas.upper-canvas").first.wait_for(timeout=90_000)
    harness.wait_for_app(page)
    assert page.locator("canvas.upper-canvas").first.bounding_box()["height"] >= 0.4 * 1080
    assert harness.predicted_after_drawing(page, strokes.strokes(5, "neat")) == "5"
    harness.goto_page(page, "Layers")
    assert "presenter=1" in page.url  # the mode stays in the link across pages
