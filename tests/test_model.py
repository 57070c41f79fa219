"""The Keras model: the beginner architecture, and the pretrained default's quality."""

import numpy as np

from nnviz import data, model, network


def test_architecture_is_the_beginner_network():
    m = model.build_model(64, 0.25)
    assert [layer.name for layer in m.layers] == ["flatten", "hidden", "dropout", "logits"]
    assert m.output_shape == (None, 10) and m.input_shape == (None, 28, 28)
    assert m.get_layer("dropout").rate == 0.25
    assert m.get_layer("logits").activation.__name__ == "linear"  # logits, not probabilities
    assert m.loss.from_logits


def test_default_model_meets_its_accuracy_target():
    sample = data.load_sample()
    net = model.to_network(model.load_default_model())
    assert net.width == 128 and net.dropout == 0.2 and net.activation == "relu"
    accuracy = (network.predict_proba(net, data.as_float(sample.x_test)).argmax(1) == sample.y_test).mean()
    assert accuracy >= 0.96


def test_seed_makes_models_reproducible_without_touching_global_random_state():
    np.random.seed(123)
    expected_next = np.random.random()
    np.random.seed(123)
    a = model.to_network(model.build_model(16, seed=7))
    b = model.to_network(model.build_model(16, seed=7))
    np.testing.assert_array_equal(a.w1, b.w1)
    np.testing.assert_array_equal(a.w2, b.w2)
    assert not np.array_equal(a.w1, model.to_network(model.build_model(16, seed=8)).w1)
    assert np.random.random() == expected_next  # other sessions' generators were not reseeded


def test_a_deeper_stack_has_a_dense_and_a_dropout_per_hidden_layer():
    m = model.build_model((32, 16, 8), 0.3, "sigmoid", seed=1)
    assert [layer.name for layer in m.layers] == ["flatten", "hidden_1", "dropout_1", "hidden_2", "dropout_2",
                                                  "hidden_3", "dropout_3", "logits"]
    assert [m.get_layer(f"hidden_{i}").units for i in (1, 2, 3)] == [32, 16, 8]
    assert {m.get_layer(f"dropout_{i}").rate for i in (1, 2, 3)} == {0.3}
    net = model.to_network(m)
    assert (net.widths, net.activation, net.dropout) == ((32, 16, 8), "sigmoid", 0.3)
    assert dict(net.param_counts()) == {layer.name: layer.count_params() for layer in m.layers}
    linear = model.to_network(model.build_model((8, 8), activation="linear"))
    assert linear.activation == "linear"
