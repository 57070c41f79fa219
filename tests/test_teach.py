"""nnviz.teach against real TensorFlow: gradients equal tf.GradientTape's, updates equal Keras's optimizers."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz import data, model, network, teach
from tests.support import stacks


@pytest.fixture(scope="module")
def misread(sample, default_net):
    """The first test digit of the sample that the pretrained model gets wrong: (image, true label)."""
    images = data.as_float(sample.x_test)
    wrong = np.flatnonzero(network.predict_proba(default_net, images).argmax(1) != sample.y_test)
    assert len(wrong) > 0
    return images[wrong[0]], int(sample.y_test[wrong[0]])


def random_net(width=24, activation="relu", seed=0) -> network.Network:
    """Keras's own initialisation with random biases too (Keras starts them at 0, which would hide bias bugs)."""
    net = model.to_network(model.build_model(width, activation=activation, seed=seed))
    rng = np.random.default_rng(seed)
    return network.Network.of(net.w1, rng.normal(0, 0.3, width).astype(np.float32), net.w2,
                              rng.normal(0, 0.3, 10).astype(np.float32), activation=activation, dropout=net.dropout)


def keras_model(net, dtype="float32"):
    """The real Keras model of the app (model.from_network), optionally built in float64 throughout."""
    if dtype == "float32":
        return model.from_network(net)
    policy, floatx = keras.config.dtype_policy(), keras.config.floatx()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        return model.from_network(net)
    finally:
        keras.config.set_floatx(floatx)
        keras.config.set_dtype_policy(policy)


def tape_gradients(m, image, label):
    """Loss and gradients of the compiled model's own loss, by tf.GradientTape, in inference mode."""
    with tf.GradientTape() as tape:
        logits = m(image[None], training=False)
        loss = m.loss(np.array([label]), logits)
    grads = tape.gradient(loss, m.trainable_variables)  # hidden kernel, bias, logits kernel, bias
    return float(loss), [np.asarray(g) for g in grads]


def sgd_nudge(net, image, label, learning_rate):
    """new weights = old − η·∂loss/∂weights, on this one digit."""
    return teach.apply(net, teach.sgd_update(teach.gradients(net, image, label), learning_rate))


def assert_params_close(params: teach.Params, arrays, atol=1e-6, rtol=0.0):
    names = [f"layer {i} {part}" for i in range(len(params.kernels)) for part in ("kernel", "bias")]
    for name, ours, theirs in zip(names, params.arrays(), arrays, strict=True):
        assert ours.shape == theirs.shape, name
        np.testing.assert_allclose(ours, theirs, atol=atol, rtol=rtol, err_msg=name)


def digits_to_check(sample, misread):
    digits = [misread] + [(data.as_float(sample.x_test[i]), int(sample.y_test[i])) for i in range(3)]
    digits.append((data.as_float(sample.x_test[0]), int(sample.y_test[0]) - 1))  # a wrong label: big gradients
    return digits


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_gradients_equal_gradient_tape_on_a_random_model(sample, misread, activation):
    net = random_net(activation=activation, seed=3)
    m = keras_model(net, "float64")
    assert m.get_layer("hidden").kernel.dtype == "float64"
    for image, label in digits_to_check(sample, misread):
        keras_loss, keras_grads = tape_gradients(m, image, label)
        grads = teach.gradients(net, image, label)
        assert_params_close(grads, keras_grads, atol=1e-6)
        assert teach.loss(net, image, label) == pytest.approx(keras_loss, abs=1e-9)
        assert np.abs(grads.w1).max() > 1e-3  # a real, non-zero gradient was compared


def test_gradients_equal_gradient_tape_on_the_default_model(sample, default_net, misread):
    m = keras_model(default_net, "float64")
    for image, label in digits_to_check(sample, misread):
        keras_loss, keras_grads = tape_gradients(m, image, label)
        assert_params_close(teach.gradients(default_net, image, label), keras_grads, atol=1e-6)
        assert teach.loss(default_net, image, label) == pytest.approx(keras_loss, abs=1e-9)


def test_gradients_match_the_float32_app_model_up_to_its_rounding(sample, default_net, misread):
    """The app's model computes in float32: its hidden activations are up to ~6e-6 off the exact values,
    which carries into its gradients, so the float32 comparison allows 1e-5."""
    m = keras_model(default_net)
    assert isinstance(m.loss, keras.losses.SparseCategoricalCrossentropy) and m.loss.get_config()["from_logits"]
    for image, label in digits_to_check(sample, misread):
        keras_loss, keras_grads = tape_gradients(m, image, label)
        assert_params_close(teach.gradients(default_net, image, label), keras_grads, atol=1e-5)
        assert teach.loss(default_net, image, label) == pytest.approx(keras_loss, abs=1e-4)


def test_gradients_are_exact_by_finite_differences(sample, default_net):
    """Central differences in float64, independent of backpropagation: the gradient is the true one."""
    image, label = data.as_float(sample.x_test[0]), int(sample.y_test[0]) - 1
    grads = teach.gradients(default_net, image, label)
    params = [a.astype(np.float64) for a in teach.weights(default_net).arrays()]

    def loss_of(arrays):
        return teach.loss(network.Network.of(*arrays, activation=default_net.activation), image, label)

    rng, eps = np.random.default_rng(0), 1e-5
    for which in range(4):
        flat = np.abs(grads.arrays()[which]).ravel()
        for i in [int(np.argmax(flat)), *rng.choice(np.flatnonzero(flat), 5)]:
            plus, minus = [a.copy() for a in params], [a.copy() for a in params]
            plus[which].ravel()[i] += eps
            minus[which].ravel()[i] -= eps
            numeric = (loss_of(plus) - loss_of(minus)) / (2 * eps)
            assert grads.arrays()[which].ravel()[i] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_first_layer_gradient_is_the_digit_scaled_per_neuron(sample, default_net):
    """∂loss/∂w1[:, j] = x · ∂loss/∂z_j: each neuron's tile is the digit, scaled; silent ReLUs get nothing."""
    image, label = data.as_float(sample.x_test[1]), 3
    grads = teach.gradients(default_net, image, label)
    x = network.flatten(image)
    np.testing.assert_allclose(grads.w1, np.outer(x, grads.b1), rtol=1e-6)
    silent = network.forward(default_net, image).z <= 0
    assert silent.any() and not grads.w1[:, silent].any() and not grads.b1[silent].any()


def test_sgd_step_is_old_minus_rate_times_gradient(sample, default_net):
    image, label, rate = data.as_float(sample.x_test[2]), 5, 0.01
    new = sgd_nudge(default_net, image, label, rate)
    grads = teach.gradients(default_net, image, label)
    arrays = zip(teach.weights(default_net).arrays(), grads.arrays(), teach.weights(new).arrays(), strict=True)
    for old, g, updated in arrays:
        assert updated.dtype == np.float32
        np.testing.assert_array_equal(updated, old - np.float32(rate) * g)
        assert not np.array_equal(updated, old)


def test_sgd_step_equals_keras_sgd(misread):
    net, (image, label), rate = random_net(seed=5), misread, 0.05
    m = keras_model(net)
    grads = teach.gradients(net, image, label)
    keras.optimizers.SGD(rate).apply_gradients(zip(grads.arrays(), m.trainable_variables, strict=True))
    assert_params_close(teach.weights(sgd_nudge(net, image, label, rate)),
                        teach.weights(model.to_network(m)).arrays(), atol=1e-7)


def test_adam_steps_equal_keras_adam_from_a_fresh_state(misread):
    """The same gradients through keras.optimizers.Adam and through the lesson: the same weights."""
    net, (image, label), rate = random_net(seed=7), misread, 1e-3
    m = keras_model(net)
    optimizer = keras.optimizers.Adam(rate)  # a freshly made Adam: zero moments, step 0, as a lesson's
    lesson = teach.start(net, image, label)
    for _ in range(3):
        grads = teach.gradients(lesson.current, image, label)
        optimizer.apply_gradients(zip(grads.arrays(), m.trainable_variables, strict=True))
        lesson = teach.teach(lesson, "adam", rate)
        assert_params_close(teach.weights(lesson.current), teach.weights(model.to_network(m)).arrays(),
                            atol=1e-7, rtol=1e-6)
    assert lesson.adam.iterations == 3 and int(optimizer.iterations) == 3
    # Adam's first step moves every weight with a clear gradient by about the learning rate.
    first = teach.adam_update(teach.gradients(net, image, label), rate, None)[0]
    clear = np.abs(teach.gradients(net, image, label).w1) > 1e-4
    assert clear.sum() > 100 and np.allclose(np.abs(first.w1[clear]), rate, rtol=0.01)


def test_undo_restores_the_weights_bit_for_bit(misread, default_net):
    image, label = misread
    before = [a.copy() for a in teach.weights(default_net).arrays()]
    lesson = teach.start(default_net, image, label)
    for optimizer in ("sgd", "adam", "sgd"):
        lesson = teach.teach(lesson, optimizer, 1e-3)
    assert lesson.nudges == 3 and lesson.adam is not None
    assert any(not np.array_equal(a, b) for a, b in zip(teach.weights(lesson.current).arrays(), before, strict=True))
    undone = teach.undo(lesson)
    assert undone.nudges == 0 and undone.current is default_net and undone.adam is None and undone.last is None
    for restored, original in zip(teach.weights(undone.current).arrays(), before, strict=True):
        assert restored.tobytes() == original.tobytes()  # the default model itself was never written to
    assert undone.losses == lesson.losses[:1]


def test_repeated_nudges_teach_a_misread_digit_until_it_wins(misread, default_net):
    image, label = misread
    lesson = teach.start(default_net, image, label)
    assert not lesson.learned
    while not lesson.learned:
        lesson = teach.teach(lesson, "sgd", teach.DEFAULT_RATE["sgd"])
        assert lesson.nudges <= 10, "ten clicks should be plenty at the page's default rate"
    curve = lesson.true_curve
    assert np.all(np.diff(curve) > 0)  # the true label's probability rises with every click
    assert np.all(np.diff(lesson.losses) < 0)
    assert network.forward(lesson.current, image).prediction == label
    assert lesson.probs[-1] == pytest.approx(network.forward(lesson.current, image).probs)


def test_step_record_and_neuron_verdicts(misread, default_net):
    image, label = misread
    lesson = teach.teach(teach.start(default_net, image, label), "sgd", 1e-3)
    step = lesson.last
    np.testing.assert_array_equal(step.update.w2, -(np.float32(1e-3) * step.grads.w2))
    changes = teach.neuron_changes(lesson.original, lesson.current, image, label,
                                   teach.rival(lesson.probs[0], label))
    # With plain SGD, z_j changes by −η·∂loss/∂z_j·(|x|² + 1): reinforced exactly where that gradient is negative.
    for change in changes:
        dz = step.grads.b1[change.neuron]
        expected = "reinforced" if dz < 0 else "penalised" if dz > 0 else "unchanged"
        assert change.verdict == expected
    counts = teach.tally(changes)
    assert sum(counts.values()) == default_net.width and counts["reinforced"] and counts["penalised"]
    top = teach.most_affected(step.update, 8)
    assert len(top) == 8
    sizes = np.linalg.norm(step.update.w1, axis=0)
    assert sizes[top].min() >= np.delete(sizes, top).max()


def test_teaching_one_digit_barely_changes_test_accuracy(sample, default_net, misread):
    images, labels = data.as_float(sample.x_test), sample.y_test
    before = teach.accuracy(default_net, images, labels)
    assert before == pytest.approx((network.predict_proba(default_net, images).argmax(1) == labels).mean())
    lesson = teach.start(default_net, *misread)
    while not lesson.learned:
        lesson = teach.teach(lesson, "sgd", teach.DEFAULT_RATE["sgd"])
    assert abs(teach.accuracy(lesson.current, images, labels) - before) <= 0.005  # at most 10 of 2,000 digits


def test_rival_is_the_wrong_prediction_or_the_runner_up():
    probs = np.array([0.05, 0.6, 0.3, 0.05, 0, 0, 0, 0, 0, 0])
    assert teach.rival(probs, 2) == 1  # the model says 1, the truth is 2
    assert teach.rival(probs, 1) == 2  # the model is right: its runner-up


def test_lesson_rejects_bad_inputs(default_net):
    with pytest.raises(ValueError):
        teach.start(default_net, np.zeros((28, 28)), 10)
    lesson = teach.start(default_net, np.zeros((28, 28)), 4)
    with pytest.raises(ValueError):
        teach.teach(lesson, "rmsprop")
    with pytest.raises(ValueError):
        teach.teach(lesson, "sgd", 0.0)


@settings(max_examples=25, deadline=None)
@given(rate=st.floats(1e-5, 1.0), label=st.integers(0, 9), index=st.integers(0, 1999))
def test_sgd_update_exact_and_network_immutable(sample, default_net, rate, label, index):
    image = data.as_float(sample.x_test[index])
    grads = teach.gradients(default_net, image, label)
    new = teach.apply(default_net, teach.sgd_update(grads, rate))
    np.testing.assert_array_equal(new.b1, default_net.b1 - np.float32(rate) * grads.b1)
    np.testing.assert_array_equal(new.w1, default_net.w1 - np.float32(rate) * grads.w1)
    assert not new.w1.flags.writeable and not grads.w1.flags.writeable


def test_votes_at_one_hidden_layer_are_the_weights_to_the_digit(misread, default_net):
    image, label = misread
    lesson = teach.teach(teach.start(default_net, image, label), "sgd", 1e-3)
    rival = teach.rival(lesson.probs[0], label)
    for change in teach.neuron_changes(lesson.original, lesson.current, image, label, rival, [0, 7, 99]):
        assert change.vote_true == float(lesson.current.w2[change.neuron, label])
        assert change.vote_rival == float(lesson.current.w2[change.neuron, rival])


@pytest.mark.parametrize("depth", list(stacks.STACKS))
def test_a_lesson_on_any_stack_follows_the_gradient_tape(misread, depth):
    image, label = misread
    m = stacks.random_stack(stacks.STACKS[depth], "sigmoid", seed=12)
    net = model.to_network(m)
    keras_grads, _ = stacks.tape_gradients(m, image[None], np.array([label]))
    grads = teach.gradients(net, image, label)
    assert_params_close(grads, keras_grads, atol=1e-6)
    lesson = teach.start(net, image, label)
    for _ in range(3):
        lesson = teach.teach(lesson, "adam", 1e-2)
    assert lesson.losses[-1] < lesson.losses[0] and lesson.current.widths == net.widths
    changes = teach.neuron_changes(lesson.original, lesson.current, image, label, teach.rival(lesson.probs[0], label))
    assert len(changes) == net.widths[0]
    for restored, original in zip(teach.undo(lesson).current.arrays(), net.arrays(), strict=True):
        assert restored is original  # Undo is the very same weights


def test_resume_keeps_the_lesson_while_it_teaches_the_same_label_to_the_same_model(misread, default_net):
    image, label = misread
    lesson = teach.teach(teach.start(default_net, image, label), "sgd", 1e-3)
    same, model_changed = teach.resume(lesson, default_net, image, label)
    assert same is lesson and not model_changed


def test_resume_starts_a_lesson_when_there_is_none(misread, default_net):
    image, label = misread
    fresh, model_changed = teach.resume(None, default_net, image, label)
    assert fresh.nudges == 0 and fresh.original is default_net and fresh.label == label and not model_changed


def test_resume_starts_over_quietly_for_another_label(misread, default_net):
    image, label = misread
    lesson = teach.teach(teach.start(default_net, image, label), "sgd", 1e-3)
    other = (label + 1) % 10
    fresh, model_changed = teach.resume(lesson, default_net, image, other)
    assert fresh.nudges == 0 and fresh.label == other and not model_changed


def test_resume_starts_over_from_a_new_active_model_and_says_so_only_if_nudges_are_lost(misread, default_net):
    image, label = misread
    other = teach.teach(teach.start(default_net, image, label), "sgd", 1e-3).current
    taught = teach.teach(teach.start(default_net, image, label), "sgd", 1e-3)
    fresh, model_changed = teach.resume(taught, other, image, label)
    assert fresh.original is other and fresh.nudges == 0 and model_changed
    fresh, model_changed = teach.resume(teach.start(default_net, image, label), other, image, label)
    assert fresh.original is other and not model_changed  # nothing taught was dropped
    fresh, model_changed = teach.resume(taught, other, image, (label + 1) % 10)
    assert fresh.original is other and not model_changed  # a new label starts over anyway


def test_remembered_accuracy_is_the_accuracy_on_the_first_test_digits_measured_once_per_model(sample, default_net,
                                                                                             monkeypatch):
    n = teach.CHECK_DIGITS
    expected = teach.accuracy(default_net, data.as_float(sample.x_test[:n]), sample.y_test[:n])
    calls = []
    real = teach.accuracy
    monkeypatch.setattr(teach, "accuracy", lambda *args: calls.append(args[0]) or real(*args))
    copy = network.Network.of(*default_net.arrays(), activation=default_net.activation, dropout=default_net.dropout)
    assert teach.remembered_accuracy(copy, sample) == expected
    assert teach.remembered_accuracy(copy, sample) == expected
    assert calls == [copy]  # the second time is remembered
    other = network.Network.of(*default_net.arrays(), activation=default_net.activation, dropout=default_net.dropout)
    assert teach.remembered_accuracy(other, sample) == expected and calls == [copy, other]  # per model


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "linear"])
def test_the_checks_predictions_are_the_forward_pass_answers(sample, activation):
    """The forgetting check's lean pass reads every digit as network.forward does (its largest probability)."""
    images = data.as_float(sample.x_test[:teach.CHECK_DIGITS])
    deep = model.to_network(stacks.random_stack((40, 20, 16, 12), activation, seed=2))
    for net in (random_net(24, activation), deep):
        np.testing.assert_array_equal(teach.predictions(net, images), network.predict_proba(net, images).argmax(1))


def test_the_check_converts_its_digits_once_per_dataset(sample, default_net, monkeypatch):
    import dataclasses

    calls = []
    real = teach.as_float
    monkeypatch.setattr(teach, "as_float", lambda images: calls.append(len(images)) or real(images))
    monkeypatch.setattr(teach, "_checks", {})
    n = teach.CHECK_DIGITS

    def copy():
        return network.Network.of(*default_net.arrays(), activation=default_net.activation, dropout=default_net.dropout)

    for _ in range(2):
        teach.remembered_accuracy(copy(), sample)
    assert calls == [n]  # two models, one conversion
    other = dataclasses.replace(sample, x_test=sample.x_test[::-1].copy(), y_test=sample.y_test[::-1].copy())
    net = copy()
    expected = teach.accuracy(net, data.as_float(other.x_test[:n]), other.y_test[:n])
    assert teach.remembered_accuracy(net, other) == expected and calls == [n, n]  # its own digits, by that name


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_check_of_a_taught_model_reuses_the_first_layer_and_gives_its_full_accuracy(sample, misread, optimizer,
                                                                                        monkeypatch):
    """A nudge changes the first kernel only in the rows of the pixels the digit inks: the check works out the
    taught model's first layer from the model before it, and reads every digit as the full pass does."""
    monkeypatch.setattr(teach, "_checks", {})
    image, label = misread
    n = teach.CHECK_DIGITS
    images, labels = data.as_float(sample.x_test[:n]), sample.y_test[:n]
    net = model.to_network(stacks.random_stack((64, 32, 16, 12), "relu", seed=3))
    lesson = teach.start(net, image, label)
    for _ in range(3):
        lesson = teach.teach(lesson, optimizer, 0.05)
    changed = np.flatnonzero((lesson.current.kernels[0] != net.kernels[0]).any(axis=1))
    assert 0 < changed.size <= np.count_nonzero(image)  # only the inked pixels' rows
    for step in lesson.nets:
        assert teach.remembered_accuracy(step, sample) == teach.accuracy(step, images, labels)
    assert teach._checks[sample.name].kernel is net.kernels[0]  # each taught model started from the original's
    other = model.to_network(stacks.random_stack((64, 32, 16, 12), "relu", seed=4))  # every row differs
    assert teach.remembered_accuracy(other, sample) == teach.accuracy(other, images, labels)
    assert teach._checks[sample.name].kernel is other.kernels[0]


SIGMOID_DEEP = (128, 64, 32, 16)  # four hidden layers, as the "sigmoid, 4 deep" lesson


def test_sigmoid_four_deep_gradients_vanish_toward_the_first_layer_and_equal_gradient_tape(sample):
    """Per layer, the gradient equals tf.GradientTape's, and its size shrinks at every layer on the way down:
    at Keras's own initialisation the first hidden layer's is over 20 times smaller than the output layer's."""
    m = model.build_model(SIGMOID_DEEP, activation="sigmoid", seed=0)
    net = model.to_network(m)
    for index in range(5):
        image, label = data.as_float(sample.x_test[index]), int(sample.y_test[index])
        keras_grads, _ = stacks.tape_gradients(m, image[None], np.array([label]))
        grads = teach.gradients(net, image, label)
        assert_params_close(grads, keras_grads, atol=1e-6)
        sizes = teach.gradient_sizes(net, grads)
        assert [s.name for s in sizes] == ["hidden layer 1", "hidden layer 2", "hidden layer 3", "hidden layer 4",
                                           "output layer"]
        norms = [s.norm for s in sizes]
        np.testing.assert_allclose(norms, [np.linalg.norm(k) for k in keras_grads[0::2]], rtol=1e-4)
        assert all(low < high for low, high in zip(norms, norms[1:])), norms  # smaller at every layer down
        assert norms[0] < norms[-1] / 20, norms
        assert [s.weights for s in sizes] == [k.size for k in net.kernels]
        assert sizes[0].largest == pytest.approx(np.abs(keras_grads[0]).max(), rel=1e-4)
        said = teach.gradient_lesson(net, sizes)
        assert f"{norms[-1] / norms[0]:,.0f} times smaller" in said and "vanishing-gradient" in said


def test_relu_four_deep_gradients_do_not_vanish(sample):
    """The same stack with ReLU: the first hidden layer's gradient is no smaller than the output layer's."""
    net = model.to_network(model.build_model(SIGMOID_DEEP, activation="relu", seed=0))
    for index in range(5):
        image, label = data.as_float(sample.x_test[index]), int(sample.y_test[index])
        sizes = teach.gradient_sizes(net, teach.gradients(net, image, label))
        assert sizes[0].norm > sizes[-1].norm / 2
        said = teach.gradient_lesson(net, sizes)
        assert "does not vanish" in said and "vanishing-gradient" not in said and "ReLU's slope" in said


def test_a_layer_without_gradient_is_said_plainly(default_net):
    zero = teach.Params.of(np.zeros_like(a) for a in default_net.arrays())
    sizes = teach.gradient_sizes(default_net, zero)
    assert [s.norm for s in sizes] == [0.0, 0.0] and "no gradient at all" in teach.gradient_lesson(default_net, sizes)


def test_between_layers_are_the_kernels_joining_two_hidden_layers(default_net):
    assert teach.between_layers(default_net) == []
    assert teach.between_layers(model.to_network(model.build_model(SIGMOID_DEEP, seed=0))) == [1, 2, 3]


def test_strongest_block_keeps_the_most_changed_rows_and_columns_in_order():
    update = np.zeros((6, 5), np.float32)
    update[4, 1], update[1, 3], update[2, 0] = 3.0, -2.0, 0.5
    rows, cols = teach.strongest_block(update, 2)
    assert list(rows) == [1, 4] and list(cols) == [1, 3]
    rows, cols = teach.strongest_block(update, 40)
    assert list(rows) == list(range(6)) and list(cols) == list(range(5))


def test_a_lesson_at_depth_keeps_the_restart_rules_and_measures_accuracy_once_per_model(sample, misread,
                                                                                        monkeypatch):
    image, label = misread
    net = model.to_network(stacks.random_stack((40, 20, 16, 12), "sigmoid", seed=1))
    lesson = teach.teach(teach.start(net, image, label), "sgd", 0.1)
    assert teach.resume(lesson, net, image, label) == (lesson, False)
    fresh, model_changed = teach.resume(lesson, lesson.current, image, label)
    assert fresh.original is lesson.current and fresh.nudges == 0 and model_changed
    assert not teach.resume(lesson, net, image, (label + 1) % 10)[1]
    calls = []
    real = teach.accuracy
    monkeypatch.setattr(teach, "accuracy", lambda *args: calls.append(args[0]) or real(*args))
    for _ in range(2):
        teach.remembered_accuracy(lesson.current, sample)
    assert calls == [lesson.current]
