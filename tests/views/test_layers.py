"""The Layers page under AppTest: metrics are the network's, dropout toggles, wide models still render."""

import numpy as np

from nnviz import anatomy, data, model, network
from nnviz.app import session
from tests.support import charts, deep
from tests.test_anatomy import random_net


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_without_a_digit(open_page):
    at = open_page("views/layers.py")
    assert not at.exception
    assert any("first MNIST test digit" in i.value for i in at.info)
    assert len(at.markdown[0].value.split()) <= 120
    assert len(at.get("plotly_chart")) == 5


def test_with_a_digit_the_metrics_are_the_default_models(open_page):
    image = data.as_float(data.load_sample().x_test[4])
    at = open_page("views/layers.py", digit=image)
    assert not at.exception and not at.info
    acts = network.forward(model.to_network(model.load_default_model()), image)
    s = anatomy.sparsity(acts.hidden)
    shown = metrics(at)
    assert shown["Prediction"] == str(acts.prediction)
    assert shown["Active neurons"] == f"{s.active} of 128"
    assert shown["Silent (exactly 0)"].startswith(f"{s.silent} (")
    assert at.selectbox(key=f"layers_class_{acts.prediction}").value == acts.prediction
    assert any("you get the logit" in c.value for c in at.caption)


def test_training_mode_samples_a_mask_and_explains_the_scaling(open_page):
    net = random_net(512)
    image = data.as_float(data.load_sample().x_test[0])
    at = open_page("views/layers.py", digit=image, **{session.NETWORK: ("test width 512", net)})
    assert not at.exception
    assert metrics(at)["Active neurons"].endswith("of 512")
    at.toggle(key="layers_training").set_value(True).run()
    assert not at.exception
    mask = network.sample_dropout_mask(512, net.dropout, np.random.default_rng(0))
    text = next(m.value for m in at.markdown if "This mask dropped" in m.value)
    assert f"dropped **{512 - int(mask.sum())}** of 512" in text and "**1.25**" in text
    assert len(at.get("plotly_chart")) == 6  # plus the inference-versus-mask bars
    at.button(key="layers_resample").click().run()
    assert not at.exception and at.session_state["layers_seed"] == 1


def test_picking_another_digit_explains_its_logit(open_page):
    image = data.as_float(data.load_sample().x_test[4])
    at = open_page("views/layers.py", digit=image)
    box = at.selectbox[0]
    box.set_value(0 if box.value != 0 else 1).run()
    assert not at.exception
    digit = at.selectbox[0].value
    c = anatomy.contribution_map(model.to_network(model.load_default_model()), image, digit)
    assert any(f"logit of {digit}: {c.logit:.3f}" in cap.value for cap in at.caption)


def test_a_blank_digit_is_shown_not_an_error(open_page):
    at = open_page("views/layers.py", digit=np.zeros((28, 28), np.float32))
    assert not at.exception
    assert len(at.get("plotly_chart")) == 5


def test_a_tiny_sigmoid_model_renders(open_page):
    net = random_net(8, activation="sigmoid", dropout=0.5)
    at = open_page("views/layers.py", **{session.NETWORK: ("tiny sigmoid", net)})
    at.toggle(key="layers_training").set_value(True).run()
    assert not at.exception
    assert metrics(at)["Active neurons"] == "8 of 8"  # a sigmoid is never exactly 0
    assert charts.mentions(at.get("plotly_chart")[0], "8<br>sigmoid")  # the hidden column names its activation


def test_a_three_layer_model_shows_every_layer(open_page):
    net = deep.random_deep_net((40, 20, 16), seed=2, dropout=0.25)
    image = data.as_float(data.load_sample().x_test[4])
    at = open_page("views/layers.py", digit=image, **{session.NETWORK: ("test 40-20-16", net)})
    assert not at.exception
    view = anatomy.layer_view(net, image)
    shown = metrics(at)
    assert shown["Prediction"] == str(view.acts.prediction)
    assert [shown[f"Layer {i} active"] for i in (1, 2, 3)] == [f"{s.active} of {s.width}" for s in view.sparsities]
    assert any("3 hidden layers" in m.value for m in at.markdown)
    flow = at.get("plotly_chart")[0]
    assert all(charts.mentions(flow, f"Layer {i}<br>{w}<br>") for i, w in ((1, 40), (2, 20), (3, 16)))
    assert charts.mentions(at.get("plotly_chart")[3], "layer 3 neuron")  # the node-link diagram reaches layer 3
    assert len(at.get("plotly_chart")) == 5
    c = anatomy.contribution_map(net, image, view.acts.prediction)
    assert any(f"logit of {c.digit}: {c.logit:.3f}" in cap.value for cap in at.caption)

    at.toggle(key="layers_training").set_value(True).run()
    assert not at.exception and len(at.get("plotly_chart")) == 6
    masks = network.sample_dropout_masks(net, np.random.default_rng(0))
    text = next(m.value for m in at.markdown if "One mask per layer" in m.value)
    assert f"**{16 - int(masks[2].sum())}** of 16 in layer 3" in text
