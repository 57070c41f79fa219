"""The Teach page under AppTest: a misread digit is taught until the right answer wins; Undo and Keep."""

import numpy as np
import pytest

from nnviz import data, model, network, teach
from nnviz.app import digit_choice, session
from tests.test_teach import sgd_nudge

PAGE = "views/teach.py"


@pytest.fixture(scope="module")
def default_net():
    return model.to_network(model.load_default_model())


@pytest.fixture(scope="module")
def misread(default_net):
    """A real test digit the pretrained model gets wrong: (image, true label, wrong prediction)."""
    sample = data.load_sample()
    images = data.as_float(sample.x_test)
    predictions = network.predict_proba(default_net, images).argmax(1)
    index = int(np.flatnonzero(predictions != sample.y_test)[0])
    return images[index], int(sample.y_test[index]), int(predictions[index])


def metric(at, label: str) -> str:
    [m] = [m for m in at.metric if m.label == label]
    return m.value


def click(at, label: str):
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception
    return at


def open_with_label(open_page, image, label):
    at = open_page(PAGE, digit=image)  # a digit of unknown label, as a drawing is
    assert not at.exception
    at.segmented_control(key="teach_label").set_value(label).run()
    assert not at.exception
    return at


def test_misread_digit_is_taught_until_the_right_answer_wins(open_page, misread, default_net):
    image, label, wrong = misread
    at = open_with_label(open_page, image, label)
    assert metric(at, "Prediction") == str(wrong) and metric(at, "Steps taught") == "0"
    curve = [float(metric(at, f"Probability of {label}").rstrip("%"))]
    while metric(at, "Prediction") != str(label):
        click(at, "Teach one step")
        curve.append(float(metric(at, f"Probability of {label}").rstrip("%")))
        assert len(curve) <= 10, "the default learning rate should teach a misread digit in a few clicks"
    assert np.all(np.diff(curve) > 0)  # every click raised the true label's probability
    steps = len(curve) - 1
    assert metric(at, "Steps taught") == str(steps)
    # The page did exactly what the module does: `steps` plain SGD steps at the default rate, on a copy.
    expected = default_net
    for _ in range(steps):
        expected = sgd_nudge(expected, image, label, teach.DEFAULT_RATE["sgd"])
    lesson = at.session_state["teach_lesson"]
    np.testing.assert_array_equal(lesson.current.w1, expected.w1)
    np.testing.assert_array_equal(lesson.current.b2, expected.b2)
    assert session.NETWORK not in at.session_state  # teaching never touched the active model
    assert len(at.get("plotly_chart")) == 4  # probabilities, curve, hidden changes, output changes
    assert any("reinforced" in c.value and "penalised" in c.value for c in at.caption)


def test_undo_restores_the_original_weights(open_page, misread, default_net):
    image, label, _ = misread
    at = open_with_label(open_page, image, label)
    original = at.session_state["teach_lesson"].current
    click(at, "Teach one step")
    click(at, "Teach one step")
    assert metric(at, "Steps taught") == "2"
    click(at, "Undo")
    lesson = at.session_state["teach_lesson"]
    assert metric(at, "Steps taught") == "0" and lesson.current is original
    for restored, saved in zip(teach.weights(lesson.current).arrays(), teach.weights(default_net).arrays(),
                               strict=True):
        assert restored.tobytes() == saved.tobytes()
    assert len(at.get("plotly_chart")) == 2  # no step yet: no gradient pictures


def test_keep_makes_the_taught_model_active(open_page, misread):
    image, label, _ = misread
    at = open_with_label(open_page, image, label)
    for _ in range(3):
        click(at, "Teach one step")
    taught = at.session_state["teach_lesson"].current
    click(at, "Keep")
    name, active = at.session_state[session.NETWORK]
    assert name == "taught on your digit" and active is taught
    assert at.success and "every page now uses" in at.success[0].value
    # A fresh lesson starts from the kept model, which now reads the digit right.
    assert metric(at, "Steps taught") == "0" and at.session_state["teach_lesson"].original is taught
    assert metric(at, "Prediction") == str(label)


def test_adam_option_takes_adam_steps(open_page, misread):
    image, label, _ = misread
    at = open_with_label(open_page, image, label)
    at.radio(key="teach_optimizer").set_value("adam").run()
    click(at, "Teach one step")
    lesson = at.session_state["teach_lesson"]
    assert lesson.last.optimizer == "adam" and lesson.adam.iterations == 1
    assert lesson.last.learning_rate == teach.DEFAULT_RATE["adam"]
    assert lesson.true_curve[1] > lesson.true_curve[0]


def test_without_any_digit_the_default_digit_is_labelled_and_taught(open_page):
    at = open_page(PAGE)
    assert not at.exception
    sample = data.load_sample()
    assert at.segmented_control(key="teach_label").value == int(sample.y_test[0])  # its known label
    assert any("already reads this digit" in i.value for i in at.info)
    click(at, "Teach one step")
    assert metric(at, "Steps taught") == "1"


def test_a_digit_of_unknown_label_asks_for_one(open_page, misread):
    at = open_page(PAGE, digit=misread[0])
    assert not at.exception
    assert any("Pick its true label" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "Teach one step"]


def test_a_model_changed_elsewhere_restarts_the_lesson(open_page, misread, default_net):
    image, label, _ = misread
    at = open_with_label(open_page, image, label)
    click(at, "Teach one step")
    other = sgd_nudge(default_net, image, (label + 1) % 10, 1e-3)
    at.session_state[session.NETWORK] = ("another model", other)  # as if the Train page made its run active
    at.run()
    assert not at.exception
    assert metric(at, "Steps taught") == "0" and at.session_state["teach_lesson"].original is other
    assert any("active model changed" in i.value for i in at.info)


def test_the_lesson_survives_a_visit_to_another_page(open_page, misread):
    image, label, _ = misread
    at = open_with_label(open_page, image, label)
    at.radio(key="teach_optimizer").set_value("adam").run()
    click(at, "Teach one step")
    at.switch_page("views/draw.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.segmented_control(key="teach_label").value == label
    assert at.radio(key="teach_optimizer").value == "adam"
    assert metric(at, "Steps taught") == "1"


def test_a_new_digit_starts_a_new_lesson(open_page, misread):
    image, label, _ = misread
    at = open_with_label(open_page, image, label)
    click(at, "Teach one step")
    sample = data.load_sample()
    at.session_state[session.DIGIT] = digit_choice.CurrentDigit(data.as_float(sample.x_test[3]), "test digit #3",
                                                 int(sample.y_test[3]))
    at.run()
    assert not at.exception
    assert metric(at, "Steps taught") == "0"
    assert at.segmented_control(key="teach_label").value == int(sample.y_test[3])


def test_a_three_layer_model_shows_every_layers_gradient_as_gradient_tape_computes_it(open_page, misread):
    from tests.support import charts, stacks
    from tests.support.typed_arrays import array

    image, label, _ = misread
    m = stacks.random_stack((40, 20, 16), "sigmoid", seed=5)
    net = model.to_network(m)
    at = open_page(PAGE, digit=image, **{session.NETWORK: ("a deep test model", net)})
    at.segmented_control(key="teach_label").set_value(label).run()
    assert not at.exception and len(at.get("plotly_chart")) == 2
    click(at, "Teach one step")
    # Probabilities, curve, each layer's gradient size, first-layer tiles, a kernel between hidden layers, output.
    shown = at.get("plotly_chart")
    assert len(shown) == 6
    keras_grads, _ = stacks.tape_gradients(m, image[None], np.array([label]))
    sizes = charts.figure(shown[2])["data"][0]
    assert sizes["x"] == ["hidden 1", "hidden 2", "hidden 3", "output"]
    np.testing.assert_allclose(array(sizes["y"]), [np.linalg.norm(k) for k in keras_grads[0::2]], rtol=1e-4)
    assert any("times smaller than the output layer's" in c.value and "vanishing-gradient" in c.value
               for c in at.caption)
    between = at.segmented_control[1]
    assert between.options == ["hidden layer 1 → 2", "hidden layer 2 → 3"] and between.value == 1
    change = charts.figure(shown[4])["data"][0]
    lesson = at.session_state["teach_lesson"]
    np.testing.assert_allclose(array(change["z"]), lesson.last.update.kernels[1], rtol=1e-6)  # all 40 × 20
    np.testing.assert_allclose(array(change["customdata"]), keras_grads[2], atol=1e-6)
    between.set_value(2).run()
    assert not at.exception
    np.testing.assert_allclose(array(charts.figure(at.get("plotly_chart")[4])["data"][0]["customdata"]), keras_grads[4],
                               atol=1e-6)
    assert any("Weights from hidden layer 2 (rows) to hidden layer 3 (columns), all" in c.value
               for c in at.caption)
    output = charts.figure(at.get("plotly_chart")[5])
    np.testing.assert_allclose(array(output["data"][0]["customdata"])[:, :, 2], keras_grads[6], atol=1e-6)
    assert output["layout"]["yaxis"]["title"]["text"] == "hidden layer 3 neuron"
    # Keep, then a nudge on the kept model: the lesson's rules are today's at any depth.
    click(at, "Keep")
    assert at.session_state[session.NETWORK][1] is lesson.current and metric(at, "Steps taught") == "0"
