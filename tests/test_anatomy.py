"""The pure computations behind the Flatten, Layers and Weights pages (numpy only, no Keras)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz import anatomy, data, network


def random_net(width=40, activation="relu", seed=0, dropout=0.2):
    rng = np.random.default_rng(seed)
    return network.Network.of(rng.normal(0, 0.08, (784, width)).astype(np.float32),
                              rng.normal(0, 0.1, width).astype(np.float32),
                              rng.normal(0, 0.3, (width, 10)).astype(np.float32),
                              rng.normal(0, 0.1, 10).astype(np.float32), activation=activation, dropout=dropout)


@pytest.fixture(scope="module")
def image():
    return data.as_float(data.load_sample().x_test[3])


# --- flatten -------------------------------------------------------------------------------------

def test_flat_index_and_pixel_of_are_inverse_and_row_major():
    rows, cols = np.indices((28, 28))
    index = anatomy.flat_index(rows, cols)
    assert sorted(index.ravel().tolist()) == list(range(784))  # a bijection onto 0..783
    assert anatomy.flat_index(0, 27) == 27 and anatomy.flat_index(1, 0) == 28 and anatomy.flat_index(27, 27) == 783
    r, c = anatomy.pixel_of(index)
    np.testing.assert_array_equal(r, rows)
    np.testing.assert_array_equal(c, cols)


def test_row_band_holds_exactly_that_row():
    image = np.random.default_rng(1).random((28, 28)).astype(np.float32)
    flat = network.flatten(image)
    bands = [anatomy.row_band(r) for r in range(28)]
    assert bands[0] == (0, 28) and bands[27] == (756, 784)
    assert all(stop == nxt for (_, stop), (nxt, _) in zip(bands, bands[1:], strict=False))  # end to end
    for r, (start, stop) in enumerate(bands):
        np.testing.assert_array_equal(flat[start:stop], image[r])
    with pytest.raises(ValueError):
        anatomy.row_band(28)


# --- layers --------------------------------------------------------------------------------------

def test_sparsity_counts_exact_zeros():
    s = anatomy.sparsity(np.array([0.0, 1.5, 0.0, 0.2, 0.0]))
    assert (s.width, s.silent, s.active) == (5, 3, 2)
    assert s.fraction_active == pytest.approx(0.4)


def test_top_neurons_largest_first_ties_by_index():
    values = np.array([0.5, 2.0, 0.0, 2.0, 1.0])
    assert anatomy.top_neurons(values, 3).tolist() == [1, 3, 4]
    assert anatomy.top_neurons(values, 99).tolist() == [1, 3, 4, 0, 2]


def test_layer_view_inference_and_training(image):
    net = random_net(64)
    view = anatomy.layer_view(net, image)
    plain = network.forward(net, image)
    assert not view.training and view.mask is None
    np.testing.assert_array_equal(view.acts.logits, plain.logits)
    np.testing.assert_array_equal(view.acts.dropped, view.acts.hidden)  # dropout passes everything at inference
    assert view.sparsity.silent == int(np.sum(plain.hidden == 0))
    assert view.inference.hidden[view.top[0]] == plain.hidden.max()

    mask = network.sample_dropout_mask(64, 0.2, np.random.default_rng(3))
    trained = anatomy.layer_view(net, image, mask)
    assert trained.training
    np.testing.assert_allclose(trained.acts.dropped, plain.hidden * mask / 0.8, rtol=1e-6)
    np.testing.assert_array_equal(trained.inference.logits, plain.logits)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 9), st.integers(1, 30), st.integers(0, 10_000))
def test_strongest_edges_are_the_top_k_by_magnitude(n_in, n_out, k, seed):
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(n_in, n_out))
    acts = rng.normal(size=n_in) * (rng.random(n_in) > 0.3)  # some sources are 0
    edges = anatomy.strongest_edges(weights, acts, k)
    contrib = acts[:, None] * weights
    nonzero = np.sort(np.abs(contrib[contrib != 0]))[::-1]
    assert edges.src.size == min(k, nonzero.size)
    np.testing.assert_allclose(np.abs(edges.contribution), nonzero[:edges.src.size])
    np.testing.assert_allclose(edges.weight, weights[edges.src, edges.dst])
    np.testing.assert_allclose(edges.contribution, contrib[edges.src, edges.dst])


def test_strongest_edges_respect_sources_and_targets():
    rng = np.random.default_rng(0)
    weights, acts = rng.normal(size=(20, 8)), rng.random(20) + 0.1
    edges = anatomy.strongest_edges(weights, acts, 10, sources=np.array([2, 5, 7]), targets=np.array([1, 6]))
    assert set(edges.src) <= {2, 5, 7} and set(edges.dst) <= {1, 6} and edges.src.size == 6
    assert anatomy.strongest_edges(weights, np.zeros(20), 5).src.size == 0  # no signal, no edges


def test_node_link_shows_influential_units_and_only_their_edges(image):
    net = random_net(200)
    acts = network.forward(net, image)
    links = anatomy.node_link(net, acts, hidden_units=24, input_edges=50, output_edges=30)
    shown = links.hidden_units
    assert shown.size == 24 and np.all(np.diff(shown) > 0)
    assert np.all(acts.dropped[shown] > 0)  # silent units have no influence, so are never picked first
    assert set(links.input_edges.dst) <= set(shown) and set(links.output_edges.src) <= set(shown)
    assert links.input_edges.src.size == 50 and links.output_edges.src.size == 30
    assert np.all(acts.inputs[links.input_edges.src] > 0)  # blank pixels carry nothing


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_contribution_map_is_exact(image, activation):
    net = random_net(64, activation)
    acts = network.forward(net, image)
    for digit in range(10):
        c = anatomy.contribution_map(net, image, digit)
        assert c.pixels.shape == (28, 28)
        assert c.pixels.sum() == pytest.approx(c.logit - c.bias, abs=1e-9)
        assert c.logit == pytest.approx(float(acts.logits[digit]), abs=1e-4)
        np.testing.assert_allclose(c.pixels, image * c.effective_weights)
        assert np.all(c.pixels[image == 0] == 0)  # blank pixels contribute nothing


def test_relu_effective_weights_are_the_paths_through_active_units(image):
    net = random_net(64)
    acts = network.forward(net, image)
    on = acts.z > 0
    c = anatomy.contribution_map(net, image, 4)
    w1, w2 = net.w1.astype(np.float64), net.w2.astype(np.float64)
    np.testing.assert_allclose(c.effective_weights.ravel(), w1[:, on] @ w2[on, 4], rtol=1e-9)
    assert c.hidden_bias == pytest.approx(float(net.b1[on].astype(np.float64) @ w2[on, 4]))


def test_contribution_map_with_a_dropout_mask(image):
    net = random_net(64, dropout=0.5)
    mask = network.sample_dropout_mask(64, 0.5, np.random.default_rng(9))
    trained = network.forward(net, image, mask)
    c = anatomy.contribution_map(net, image, 2, mask)
    assert c.logit == pytest.approx(float(trained.logits[2]), abs=1e-4)
    assert c.pixels.sum() + c.bias == pytest.approx(c.logit, abs=1e-9)
    with pytest.raises(ValueError):
        anatomy.contribution_map(net, image, 10)


# --- weights -------------------------------------------------------------------------------------

def test_neuron_order(image):
    net = random_net(30)
    acts = network.forward(net, image)
    assert anatomy.neuron_order(net, "index").tolist() == list(range(30))
    by_act = anatomy.neuron_order(net, "activation", acts.hidden)
    assert np.all(np.diff(acts.hidden[by_act]) <= 0) and sorted(by_act.tolist()) == list(range(30))
    by_norm = anatomy.neuron_order(net, "weight norm")
    assert np.all(np.diff(np.linalg.norm(net.w1, axis=0)[by_norm]) <= 0)
    with pytest.raises(ValueError):
        anatomy.neuron_order(net, "activation")
    with pytest.raises(ValueError):
        anatomy.neuron_order(net, "colour")


@pytest.mark.parametrize("width,per_page,pages", [(128, 64, 2), (1024, 64, 16), (100, 36, 3), (8, 64, 1)])
def test_pages_cover_every_neuron_once(width, per_page, pages):
    order = np.random.default_rng(0).permutation(width)
    assert anatomy.page_count(width, per_page) == pages
    seen = np.concatenate([anatomy.page_of(order, p, per_page) for p in range(pages)])
    np.testing.assert_array_equal(seen, order)
    assert all(len(anatomy.page_of(order, p, per_page)) <= per_page for p in range(pages))
    with pytest.raises(ValueError):
        anatomy.page_of(order, pages, per_page)


def test_tile_mosaic_places_each_neurons_weights_in_its_tile():
    net = random_net(50)
    neurons = np.array([7, 3, 49, 0, 12])
    m = anatomy.tile_mosaic(net.w1, neurons, columns=2, gap=2)
    assert m.values.shape == (3 * 30 - 2, 2 * 30 - 2)
    ys, xs = m.origins()
    for n, y, x in zip(neurons, ys, xs, strict=True):
        np.testing.assert_array_equal(m.values[y:y + 28, x:x + 28], net.w1[:, n].reshape(28, 28))
        assert np.all(m.neuron[y:y + 28, x:x + 28] == n)
        np.testing.assert_array_equal(m.row[y:y + 28, x], np.arange(28))
        np.testing.assert_array_equal(m.col[y, x:x + 28], np.arange(28))
    assert np.isnan(m.values[28:30]).all() and (m.neuron[:, 28:30] == -1).all()  # gaps
    assert np.isnan(m.values[60:, 30:]).all()  # the empty sixth slot
    assert np.count_nonzero(~np.isnan(m.values)) == 5 * 784


def test_symmetric_range_ignores_rare_outliers():
    values = np.concatenate([np.linspace(-1, 1, 10_000), [50.0]])
    assert anatomy.symmetric_range(values) == pytest.approx(1.0, abs=0.01)
    assert anatomy.symmetric_range(values, 1.0) == 50.0
    assert anatomy.symmetric_range(np.zeros(5)) == 1.0  # never a zero-width colour scale


def test_weight_histograms_share_bins_and_count_every_weight():
    trained, fresh = random_net(32, seed=1), random_net(32, seed=2)
    fresh = network.Network.of(fresh.w1, np.zeros(32, np.float32), fresh.w2, np.zeros(10, np.float32))
    hists = anatomy.weight_histograms({"trained": trained, "fresh": fresh}, bins=20)
    assert [h.name for h in hists] == ["hidden kernel", "hidden bias", "logits kernel", "logits bias"]
    for h, tensor in zip(hists, anatomy.tensors(trained).values(), strict=True):
        assert h.edges.size == 21
        assert h.counts["trained"].sum() == tensor.size == h.counts["fresh"].sum()
        assert h.edges[0] <= tensor.min() and h.edges[-1] >= tensor.max()
    zeros = anatomy.weight_histograms({"fresh": fresh})[1]  # all biases 0: a spike, not a crash
    assert zeros.counts["fresh"].max() == 32


def test_parameter_table_rows_and_total():
    rows = anatomy.parameter_table(random_net(128))
    assert [(r.layer, r.kind, r.output_shape, r.params) for r in rows] == [
        ("flatten", "Flatten", "(None, 784)", 0), ("hidden", "Dense", "(None, 128)", 100_480),
        ("dropout", "Dropout", "(None, 128)", 0), ("logits", "Dense", "(None, 10)", 1_290)]
    assert anatomy.total_params(rows) == 101_770
