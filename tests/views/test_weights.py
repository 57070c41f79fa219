"""The Weights page under AppTest: tiles paginate and sort, the neuron picker and the parameter table work."""

from nnviz import data, network
from nnviz.app import session
from tests.support import charts, deep
from tests.test_anatomy import random_net


def test_without_a_digit(open_page):
    at = open_page("views/weights.py")
    assert not at.exception
    assert any("No digit of yours yet" in i.value for i in at.info)
    assert len(at.markdown[0].value.split()) <= 120
    assert len(at.get("plotly_chart")) == 5
    table = at.dataframe[0].value
    assert table["Param #"].tolist() == [0, 100_480, 0, 1_290]
    assert any("101,770" in m.value for m in at.markdown)


def test_wide_model_paginates_sorts_and_picks_a_neuron(open_page):
    net = random_net(512)
    image = data.as_float(data.load_sample().x_test[6])
    at = open_page("views/weights.py", digit=image, **{session.NETWORK: ("test width 512", net)})
    assert not at.exception and not at.info
    page = at.number_input(key="weights_page_64_512")
    assert page.max == 8 and page.label == "Page (of 8)"
    acts = network.forward(net, image)
    picker = at.number_input(key="weights_neuron_512")
    assert picker.value == int(acts.hidden.argmax())  # starts at the neuron this digit excites most
    at.selectbox(key="weights_order").set_value("activation").run()
    page.set_value(8).run()
    assert not at.exception
    assert charts.mentions(at.get("plotly_chart")[0], "sorted by how strongly it fires for your digit")
    picker.set_value(300).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Bias"] == f"{net.b1[300]:.3f}"
    assert at.dataframe[0].value["Param #"].tolist() == [0, 784 * 512 + 512, 0, 5_130]


def test_a_tiny_model_fits_on_one_page(open_page):
    net = random_net(8, activation="tanh")
    at = open_page("views/weights.py", **{session.NETWORK: ("tiny tanh", net)})
    assert not at.exception
    assert at.number_input(key="weights_page_64_8").max == 1
    assert at.dataframe[0].value["Param #"].tolist() == [0, 784 * 8 + 8, 0, 90]


def test_a_three_layer_model_has_a_layer_picker_and_composed_tiles(open_page):
    net = deep.random_deep_net((40, 20, 16), seed=1)
    image = data.as_float(data.load_sample().x_test[6])
    at = open_page("views/weights.py", digit=image, **{session.NETWORK: ("test 40-20-16", net)})
    assert not at.exception
    picker = at.selectbox(key="weights_layer_3")
    assert picker.options == ["Layer 1: 40 neurons, reading 784 pixels",
                              "Layer 2: 20 neurons, reading layer 1's 40 outputs",
                              "Layer 3: 16 neurons, reading layer 2's 20 outputs"]
    assert len(at.get("plotly_chart")) == 5  # layer 1: its own weight tiles, as at depth 1
    assert at.dataframe[0].value["Param #"].tolist() == [0, 784 * 40 + 40, 0, 40 * 20 + 20, 0, 20 * 16 + 16, 0, 170]
    assert any("32,726" in m.value and "20 × 16 + 16 in hidden layer 3" in m.value for m in at.markdown)

    picker.set_value(1).run()
    assert not at.exception
    assert any(s.value.startswith("Layer 2: what each of the 20 neurons responds to") for s in at.subheader)
    assert any("not a fixed picture" in c.value for c in at.caption)
    acts = network.forward(net, image)
    neuron = at.number_input(key="weights_neuron_20_l2")
    assert neuron.value == int(acts.hiddens[1].argmax())
    neuron.set_value(7).run()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Bias"] == f"{net.biases[1][7]:.3f}" and shown["z for your digit"] == f"{acts.zs[1][7]:.3f}"
    charts_ = at.get("plotly_chart")
    assert len(charts_) == 6  # plus layer 2's raw kernel
    assert charts.mentions(charts_[1], "#7 in pixel space")
    assert charts.mentions(charts_[0], "effective weight")  # the tiles are not raw weights, and say so
    assert charts.mentions(charts_[3], "Layer 2's raw kernel: 40 × 20 weights")
    assert charts.mentions(charts_[5], "hidden 2 kernel")  # the histograms follow the picked layer
