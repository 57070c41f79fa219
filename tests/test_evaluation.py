"""Evaluation on held-out digits: numpy metrics agree with Keras, the confusion matrix and its cells add up."""

import json

import numpy as np
import pytest

from nnviz import data, evaluation, model
from nnviz.run_record import History, RunRecord
from nnviz.settings import Settings
from tests.support import stacks


@pytest.fixture(scope="module")
def pretrained():
    keras_model = model.load_default_model()
    keras_model.compile(loss=model.build_model().loss, metrics=["accuracy"])
    return keras_model, model.to_network(keras_model)


def test_loss_and_accuracy_match_keras_evaluate(pretrained):
    keras_model, net = pretrained
    sample = data.load_sample()
    images, labels = data.as_float(sample.x_test[:500]), sample.y_test[:500]
    loss, accuracy = evaluation.loss_and_accuracy(net, images, labels)
    keras_loss, keras_accuracy = keras_model.evaluate(images, labels, verbose=0)
    assert loss == pytest.approx(keras_loss, rel=1e-4)
    assert accuracy == pytest.approx(keras_accuracy, abs=1e-6)
    assert accuracy > 0.9  # the pretrained model really is good


def test_cross_entropy_is_finite_for_extreme_logits():
    logits = np.array([[1e4, -1e4] + [0] * 8, [0] * 9 + [-1e4]], np.float32)
    loss = evaluation.cross_entropy(logits, np.array([1, 9]))
    assert np.all(np.isfinite(loss)) and loss[0] == pytest.approx(2e4, rel=1e-6)


def test_confusion_matrix_counts_pairs():
    m = evaluation.confusion_matrix(np.array([0, 0, 1, 9, 9, 9]), np.array([0, 1, 1, 9, 4, 9]))
    assert m.shape == (10, 10) and m.sum() == 6
    assert (m[0, 0], m[0, 1], m[1, 1], m[9, 9], m[9, 4]) == (1, 1, 1, 2, 1)


def test_evaluation_of_the_pretrained_model(pretrained):
    _, net = pretrained
    sample = data.load_sample()
    positions = np.arange(1, 2000, 2)
    ev = evaluation.evaluate(net, data.as_float(sample.x_test[positions]), sample.y_test[positions], positions)
    assert ev.confusion.sum() == len(positions) and np.trace(ev.confusion) == (ev.labels == ev.predictions).sum()
    assert ev.accuracy == pytest.approx(np.trace(ev.confusion) / len(positions))
    mistakes = ev.mistakes()
    assert len(mistakes) == len(positions) - np.trace(ev.confusion)
    for i in mistakes[:5]:  # positions point into x_test, and the recorded labels are the real ones
        true, predicted, confidence = ev.lookup(int(i))
        assert true == sample.y_test[i] != predicted and 0.1 <= confidence <= 1.0
    confidences = [ev.lookup(int(i))[2] for i in mistakes]
    assert confidences == sorted(confidences, reverse=True)  # most confidently wrong first
    t, p = np.unravel_index(np.argmax(ev.confusion * (1 - np.eye(10))), (10, 10))
    cell = ev.cell(int(t), int(p))
    assert len(cell) == ev.confusion[t, p] and all(sample.y_test[i] == t for i in cell)
    with pytest.raises(ValueError):
        ev.indices[0] = 5  # read-only


def test_run_record_round_trips_through_json():
    positions = np.array([1, 3, 5])
    ev = evaluation.Evaluation(positions, np.array([1, 2, 3], np.uint8), np.array([1, 2, 4], np.uint8),
                               np.array([0.9, 0.8, 0.7], np.float32))
    history = History(4, step=[1, 2, 3], loss=[2.3, float("nan"), 1.0], accuracy=[0.1, 0.2, 0.3],
                      val_step=[2], val_loss=[1.5], val_accuracy=[0.5], epoch_step=[], epoch_loss=[],
                      epoch_accuracy=[], epoch_val_loss=[], epoch_val_accuracy=[])
    record = RunRecord("abc", "Run 1", Settings(width=32), "MNIST sample", 1000, "stopped", "Stopped.", 3, 1.5,
                       history, ev)
    again = RunRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again.settings == record.settings and again.label == record.label
    assert np.array_equal(again.history.loss, history.loss, equal_nan=True)
    assert np.array_equal(again.evaluation.predictions, ev.predictions)
    assert again.evaluation.accuracy == pytest.approx(2 / 3) and again.epochs == 0.75
    assert np.isnan(again.final()["val_accuracy"]) and again.final()["test_accuracy"] == pytest.approx(2 / 3)
    for bad in ({"width": 4096}, {"depth": 5}):
        with pytest.raises(ValueError):
            RunRecord.from_dict({**record.to_dict(), "settings": bad})


def test_logits_of_a_deep_stack_equal_keras_predict():
    m = stacks.random_stack((48, 24, 12), "relu", seed=9)
    images = data.as_float(data.load_sample().x_test[:300])
    got = evaluation.logits(model.to_network(m), images, batch=128)  # several batches, the last one short
    np.testing.assert_allclose(got, m.predict(images, verbose=0), atol=1e-5)
