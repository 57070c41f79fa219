"""The Draw page under AppTest: a digit in session state or from the picker is classified."""

import numpy as np

from nnviz import data, model, network
from nnviz.app import digit_choice, session
from tests.support import charts


def test_without_a_digit_the_page_asks_for_one_and_predicts_nothing(open_page):
    at = open_page()
    assert not at.exception
    assert not at.metric  # no answer for a digit the user cannot see
    assert any("appears here" in i.value for i in at.info)


def test_clear_takes_a_drawn_digit_and_its_prediction_away(open_page):
    """Issue 12: after Clear the page said "the canvas is empty" but still showed the old answer."""
    sample = data.load_sample()
    at = open_page()
    at.session_state[session.DIGIT] = digit_choice.CurrentDigit(data.as_float(sample.x_test[7]), digit_choice.DRAWN)
    at.run()
    assert at.metric[0].label == "Prediction"
    [clear] = [b for b in at.button if b.label == "Clear"]
    clear.click().run()
    assert not at.exception
    assert not at.metric and at.session_state[session.DIGIT] is None
    assert any("canvas is empty" in i.value for i in at.info)


def test_clear_keeps_a_picked_test_digit(open_page):
    at = open_page()
    [picker] = [b for b in at.button if b.label == "Random test digit"]
    picker.click().run()
    [clear] = [b for b in at.button if b.label == "Clear"]
    clear.click().run()
    assert at.session_state[session.DIGIT].source.startswith("test digit #") and at.metric[0].label == "Prediction"


def test_digit_from_session_state_is_predicted(open_page):
    sample = data.load_sample()
    image = data.as_float(sample.x_test[7])
    at = open_page(digit=image)
    assert not at.exception
    expected = network.forward(model.to_network(model.load_default_model()), image)
    assert at.metric[0].value == str(expected.prediction) == str(sample.y_test[7])
    [bars] = [charts.probabilities(h.proto.body) for h in at.get("html") if charts.probabilities(h.proto.body)]
    np.testing.assert_allclose(bars, expected.probs, atol=1e-7)  # the bars show the model's own numbers


def test_random_test_digit_picker_shows_label_and_prediction(open_page):
    at = open_page()
    [picker] = [b for b in at.button if b.label == "Random test digit"]
    picker.click().run()
    assert not at.exception
    digit = at.session_state[session.DIGIT]
    assert digit.source.startswith("test digit #") and digit.label is not None
    assert any(f"true label {digit.label}" in c.value for c in at.caption)
    assert at.metric[0].value.isdigit()
    assert np.array_equal(digit.image.shape, (28, 28))
    # Issue 12: the picked digit is shown beside its answer, not only below the fold.
    assert "what the network sees" in [shown.caption for image in at.get("image") for shown in image.proto.imgs]


def test_an_error_inside_the_digit_pad_shows_a_plain_message(open_page, monkeypatch):
    """The digit pad is a fragment: a stroke reruns it without app.py's boundary, so it has its own."""
    from nnviz.app import boundary

    def broken(*args, **kwargs):
        raise RuntimeError("/secret/server/path exploded")

    monkeypatch.setattr(network, "forward", broken)
    sample = data.load_sample()
    at = open_page(digit=data.as_float(sample.x_test[3]))
    assert not at.exception
    assert [e.value for e in at.error] == [boundary.TROUBLE]
    assert "/secret" not in str([m.value for m in at.markdown])
