"""The Forward pass page under AppTest: each step shows the model's own numbers."""

import numpy as np

from nnviz import data, model, network, walkthrough

PAGE = "views/walkthrough.py"


def test_each_step_shows_the_forward_pass_numbers(open_page):
    net = model.to_network(model.load_default_model())
    image = data.as_float(data.load_sample().x_test[4])
    acts = network.forward(net, image)
    at = open_page(PAGE, digit=image)
    assert not at.exception
    neuron = int(at.number_input[0].value)
    assert neuron == walkthrough.walk(net, image).neuron.neuron
    assert f"= {acts.z[neuron]:.4f}" in at.latex[0].value  # z = w·x + b, as the model computes it
    assert f"= {acts.hidden[neuron]:.4f}" in at.latex[1].value

    at.segmented_control(key="walk_step").set_value("3 · Logits").run()
    assert not at.exception
    assert f"= {acts.logits[acts.prediction]:.4f}" in at.latex[0].value

    at.segmented_control(key="walk_step").set_value("4 · Softmax").run()
    assert not at.exception
    assert f"= {acts.probs[acts.prediction]:.6f}" in at.latex[0].value
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["probability"].to_numpy(), acts.probs, atol=1e-6)

    at.segmented_control(key="walk_step").set_value("2 · Hidden layer").run()
    assert not at.exception
    assert any(f"{int((acts.hidden > 0).sum())} fire for this digit" in c.value for c in at.caption)


def test_choosing_another_neuron_shows_its_sum(open_page):
    net = model.to_network(model.load_default_model())
    image = data.as_float(data.load_sample().x_test[4])
    at = open_page(PAGE, digit=image)
    at.number_input[0].set_value(7).run()
    assert not at.exception
    assert f"= {network.forward(net, image).z[7]:.4f}" in at.latex[0].value
    assert any("Neuron 7 multiplies" in c.value for c in at.caption)


def test_no_digit_no_exception(open_page):
    at = open_page(PAGE)
    assert not at.exception and at.latex
