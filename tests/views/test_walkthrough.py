"""The Forward pass page under AppTest: each step shows the model's own numbers."""

import re

import numpy as np
import pytest

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


def last_number(latex: str) -> float:
    """The result a formula ends with: '… = 1.2345'."""
    return float(re.findall(r"-?\d+\.\d+", latex)[-1])


def test_any_neuron_of_a_three_layer_model_shows_keras_numbers(open_page):
    from nnviz.app import session
    from tests.support import stacks

    m = stacks.random_stack((40, 20, 16), "relu", seed=3)
    net = model.to_network(m)
    image = data.as_float(data.load_sample().x_test[4])
    zs, outputs = stacks.keras_preactivations(m, image[None]), stacks.keras_outputs(m, image[None])
    at = open_page(PAGE, digit=image, **{session.NETWORK: ("a deep test model", net)})
    assert not at.exception
    layers = at.selectbox(key="walk_layer")
    assert layers.options == ["hidden layer 1 (40 neurons)", "hidden layer 2 (20 neurons)",
                              "hidden layer 3 (16 neurons)", "output layer (10 neurons)"]
    for layer, name in enumerate(["hidden_1", "hidden_2", "hidden_3"]):
        at.selectbox(key="walk_layer").set_value(layer).run()
        assert not at.exception
        neuron = int(at.number_input[0].value)
        assert neuron == walkthrough.walk(net, image, layer=layer).neuron.neuron  # its layer's strongest voter
        assert last_number(at.latex[0].value) == pytest.approx(float(zs[layer][0, neuron]), abs=1e-4)
        assert last_number(at.latex[1].value) == pytest.approx(float(outputs[name][0, neuron]), abs=1e-4)
        assert len(at.get("plotly_chart")) == 1 and len(at.dataframe[0].value) == 5
    at.number_input[0].set_value(5).run()
    assert last_number(at.latex[0].value) == pytest.approx(float(zs[2][0, 5]), abs=1e-4)
    assert any("Neuron 5 of hidden layer 3 multiplies each of the 20 outputs" in c.value for c in at.caption)

    at.selectbox(key="walk_layer").set_value(3).run()
    prediction = int(outputs["logits"][0].argmax())
    assert int(at.number_input[0].value) == prediction and len(at.latex) == 1  # a logit: no activation of its own
    assert rf"\mathrm{{logit}}_{{{prediction}}} &=" in at.latex[0].value
    assert last_number(at.latex[0].value) == pytest.approx(float(outputs["logits"][0, prediction]), abs=1e-4)

    at.segmented_control(key="walk_step").set_value("2 · Hidden layer").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1
    fired = [int((outputs[name][0] > 0).sum()) for name in ("hidden_1", "hidden_2", "hidden_3")]
    assert any(f"{fired[0]} of 40 in hidden layer 1, {fired[1]} of 20 in hidden layer 2" in c.value
               for c in at.caption)
    at.segmented_control(key="walk_step").set_value("3 · Logits").run()
    assert last_number(at.latex[0].value) == pytest.approx(float(outputs["logits"][0, prediction]), abs=1e-4)
    assert any("sums the 16 last hidden layer's outputs" in c.value for c in at.caption)

    # A shallower model made active elsewhere: the picked hidden layer 3 is gone, so the first layer is shown.
    at.selectbox(key="walk_layer").set_value(2)
    at.session_state[session.NETWORK] = ("the default", model.to_network(model.load_default_model()))
    at.run()
    assert not at.exception and at.selectbox(key="walk_layer").value == 0
