"""The Draw page under AppTest: a digit in session state or from the picker is classified."""

import numpy as np

from nnviz import data, model, network, ui


def test_default_digit_is_predicted_without_any_input(open_page):
    at = open_page()
    assert not at.exception
    assert at.metric[0].label == "Prediction"
    sample = data.load_sample()
    assert at.metric[0].value == str(sample.y_test[0])  # the default digit, read correctly


def test_digit_from_session_state_is_predicted(open_page):
    sample = data.load_sample()
    image = data.as_float(sample.x_test[7])
    at = open_page(digit=image)
    assert not at.exception
    expected = network.forward(model.to_network(model.load_default_model()), image).prediction
    assert at.metric[0].value == str(expected) == str(sample.y_test[7])


def test_random_test_digit_picker_shows_label_and_prediction(open_page):
    at = open_page()
    [picker] = [b for b in at.button if b.label == "Random test digit"]
    picker.click().run()
    assert not at.exception
    digit = at.session_state[ui.DIGIT]
    assert digit.source.startswith("test digit #") and digit.label is not None
    assert any(f"true label {digit.label}" in c.value for c in at.caption)
    assert at.metric[0].value.isdigit()
    assert np.array_equal(digit.image.shape, (28, 28))
