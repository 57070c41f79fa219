"""Teach, as a person does it: draw a digit the model misreads, teach it with clicks, keep the taught model."""

from nnviz import canvas
from tests.support import harness


def closed_four():
    """A 4 with a closed, rounded top, as many people write it: the pretrained model reads it as a 9."""
    def px(points):
        return [(x * canvas.WIDTH, canvas.BAND + y * canvas.WIDTH) for x, y in points]
    return [px([(0.62, 0.22), (0.45, 0.18), (0.35, 0.3), (0.4, 0.46), (0.66, 0.46)]),
            px([(0.62, 0.15), (0.62, 0.85)])]


def wait_for_metric(page, label: str, value: str) -> None:
    """Clicks rerun the script; wait until the metric shows the value that click must produce."""
    harness.wait_for_metric(page, label, value)


def click(page, name: str) -> None:
    page.get_by_role("button", name=name).click()


def test_a_misread_digit_is_taught_until_it_wins_then_kept(page):
    harness.predicted_after_drawing(page, closed_four())
    harness.goto_page(page, "Teach")
    page.get_by_text("Pick its true label").wait_for(timeout=30_000)  # a drawing's label is unknown
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text="4").first.click()
    wait_for_metric(page, "Steps taught", "0")
    first = harness.metric_value(page, "Prediction")
    assert first != "4", "the pretrained model should misread this closed-top 4"

    click(page, "Teach one step")
    wait_for_metric(page, "Steps taught", "1")
    click(page, "Undo")
    wait_for_metric(page, "Steps taught", "0")
    assert harness.metric_value(page, "Prediction") == first

    probabilities = [float(harness.metric_value(page, "Probability of 4").rstrip("%"))]
    while harness.metric_value(page, "Prediction") != "4":
        assert len(probabilities) <= 10, f"not learned in 10 clicks: {probabilities}"
        click(page, "Teach one step")
        wait_for_metric(page, "Steps taught", str(len(probabilities)))
        probabilities.append(float(harness.metric_value(page, "Probability of 4").rstrip("%")))
    assert probabilities == sorted(probabilities) and probabilities[-1] > probabilities[0]
    # Probabilities, learning curve, hidden and output weight changes (a rerun briefly shows old copies too).
    charts = page.locator('[data-testid="stPlotlyChart"]')
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length === 4",
                           timeout=30_000)
    assert charts.count() == 4
    assert not harness.exceptions_on(page)

    click(page, "Keep")
    page.locator('[data-testid="stAlert"]').filter(has_text="every page now uses").wait_for(timeout=30_000)
    harness.goto_page(page, "Draw")
    # The Draw page's own run, which names its model beside the answer: the taught one.
    page.locator("main").get_by_text("classified by the taught on your digit model").wait_for(timeout=30_000)
    assert harness.metric_value(page, "Prediction") == "4"  # the taught model is now the one every page uses
    assert not harness.exceptions_on(page)


def test_a_four_layer_sigmoid_model_shows_its_vanishing_gradient(page, tmp_path):
    """Upload a sigmoid network 4 hidden layers deep, teach one nudge: every layer's gradient, shrinking."""
    from nnviz import model, model_io
    from tests.support import model_upload

    path = tmp_path / "sigmoid-4-deep.keras"
    path.write_bytes(model_io.keras_bytes(model.to_network(model.build_model((64, 48, 32, 16), activation="sigmoid",
                                                                              seed=0))))
    harness.predicted_after_drawing(page, closed_four())
    model_upload.upload(page, path)
    harness.goto_page(page, "Teach")
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text="4").first.click()
    wait_for_metric(page, "Steps taught", "0")
    click(page, "Teach one step")
    wait_for_metric(page, "Steps taught", "1")
    # Probabilities, curve, each layer's gradient size, first-layer tiles, a kernel between hidden layers, output.
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length === 6",
                           timeout=30_000)
    page.get_by_text("vanishing-gradient problem").wait_for(timeout=30_000)
    assert page.locator('[data-testid="stButtonGroup"]').filter(has_text="hidden layer 3 → 4").count() == 1
    assert not harness.exceptions_on(page)
