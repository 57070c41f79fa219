"""The pure computations behind the Flatten, Layers and Weights pages (numpy only, no Keras)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz import anatomy, data, network
from tests.support import deep


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


# --- any depth (issue 15) -------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_layer_view_has_each_layers_sparsity_and_masks(image, depth):
    net = deep.random_deep_net(deep.WIDTHS[depth])
    view = anatomy.layer_view(net, image)
    acts = network.forward(net, image)
    assert [(s.width, s.silent) for s in view.sparsities] == [(h.size, int(np.sum(h == 0))) for h in acts.hiddens]
    assert view.dropped() == [] and not view.training
    masks = network.sample_dropout_masks(net, np.random.default_rng(1))
    trained = anatomy.layer_view(net, image, masks)
    assert trained.dropped() == [(int(m.size - m.sum()), m.size) for m in masks]
    np.testing.assert_array_equal(trained.acts.logits, network.forward(net, image, masks).logits)
    assert trained.mask is masks[0]


def test_layer_metrics_two_for_one_layer_one_per_layer_deeper(image):
    one = anatomy.layer_view(random_net(64), image)
    assert [m[0] for m in anatomy.layer_metrics(one)] == ["Active neurons", "Silent (exactly 0)"]
    assert anatomy.layer_metrics(one)[0][1] == f"{one.sparsity.active} of 64"
    three = anatomy.layer_view(deep.random_deep_net((40, 20, 16)), image)
    metrics = anatomy.layer_metrics(three)
    assert [m[0] for m in metrics] == ["Layer 1 active", "Layer 2 active", "Layer 3 active"]
    assert [m[1] for m in metrics] == [f"{s.active} of {s.width}" for s in three.sparsities]


def test_layer_roles_name_what_each_layer_reads():
    assert anatomy.layer_roles(random_net(64)) == ""
    text = anatomy.layer_roles(deep.random_deep_net((40, 20, 16)))
    assert "3 hidden layers" in text and "784 pixels" in text and "layer 3 (16) reads layer 2's 20 outputs" in text


def _old_node_link(net, acts, hidden_units, input_edges, output_edges):
    """The one-hidden-layer rule the diagram had before depth: kept as the reference for depth 1."""
    influence = np.abs(acts.dropped[:, None] * net.w2).sum(axis=1)
    shown = np.sort(anatomy.top_neurons(influence, min(hidden_units, net.width)))
    return (shown, anatomy.strongest_edges(net.w1, acts.inputs, input_edges, targets=shown),
            anatomy.strongest_edges(net.w2, acts.dropped, output_edges, sources=shown))


def test_node_link_at_depth_1_is_as_before(image):
    net = random_net(200)
    acts = network.forward(net, image)
    links = anatomy.node_link(net, acts)
    shown, e_in, e_out = _old_node_link(net, acts, 32, 160, 60)
    np.testing.assert_array_equal(links.hidden_units, shown)
    np.testing.assert_array_equal(links.input_edges.src, e_in.src)
    np.testing.assert_array_equal(links.output_edges.dst, e_out.dst)
    assert len(links.units) == 1 and len(links.edges) == 2


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_node_link_follows_the_strongest_paths_through_every_layer(image, depth):
    net = deep.random_deep_net(deep.WIDTHS[depth], seed=depth)
    acts = network.forward(net, image)
    links = anatomy.node_link(net, acts)
    assert len(links.units) == depth and len(links.edges) == depth + 1
    for i, shown in enumerate(links.units):
        assert shown.size == min(anatomy.LEGIBLE_UNITS[depth], net.widths[i]) and np.all(np.diff(shown) > 0)
    for gap, e in enumerate(links.edges):  # every edge joins units that are drawn, and is weight × activation
        assert gap == 0 or set(e.src) <= set(links.units[gap - 1])
        assert gap == depth or set(e.dst) <= set(links.units[gap])
        a_in = acts.inputs if gap == 0 else acts.drops[gap - 1]
        np.testing.assert_allclose(e.contribution, net.kernels[gap][e.src, e.dst] * a_in[e.src], rtol=1e-6)
    # The last layer's pick is the depth-1 rule: the units that move the logits most.
    score = np.abs(acts.drops[-1][:, None] * net.kernels[-1]).sum(axis=1)
    assert set(links.units[-1]) == set(anatomy.top_neurons(score, links.units[-1].size))
    # A unit below is picked for feeding the units drawn above it, not the whole layer above.
    shown_above = links.units[-1]
    feeding = np.abs(acts.drops[-2][:, None] * net.kernels[-2][:, shown_above]).max(axis=1)
    picked = np.isin(np.arange(feeding.size), links.units[-2])
    assert feeding[picked].min() > 0 or picked[feeding > 0].all()  # a unit feeding nothing drawn only fills up
    assert feeding[~picked].max(initial=0) <= feeding[picked].max()


def test_node_link_at_4_by_512_stays_legible(image):
    net = deep.random_deep_net((512, 512, 512, 512), seed=3)
    links = anatomy.node_link(net, network.forward(net, image))
    assert [u.size for u in links.units] == [anatomy.LEGIBLE_UNITS[4]] * 4
    assert sum(e.src.size for e in links.edges) <= 100 + 3 * 60 + 60  # a few hundred edges of 1.3 million


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "linear"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_composed_weights_add_up_to_each_neurons_z(image, depth, activation):
    net = deep.random_deep_net(deep.WIDTHS[depth], activation, seed=depth)
    acts = network.forward(net, image, dtype=np.float64)
    for layer in range(depth):
        units = np.arange(0, net.widths[layer], 3)
        c = anatomy.composed_weights(net, image, layer, units)
        assert c.effective_weights.shape == (units.size, 28, 28)
        np.testing.assert_allclose(c.pixels.sum(axis=(1, 2)) + c.bias, acts.zs[layer][units], atol=1e-9)
        np.testing.assert_array_equal(c.z, acts.zs[layer][units])
        np.testing.assert_allclose(c.pixels, c.effective_weights * image)
    first = anatomy.composed_weights(net, image, 0, [5])
    np.testing.assert_allclose(first.effective_weights[0].ravel(), net.kernels[0][:, 5], rtol=1e-7)
    with pytest.raises(ValueError):
        anatomy.composed_weights(net, image, depth, [0])


def test_relu_composed_weights_are_the_paths_through_the_neurons_that_fired(image):
    net = deep.random_deep_net((40, 20, 16), seed=4)
    acts = network.forward(net, image)
    on1, on2 = acts.zs[0] > 0, acts.zs[1] > 0
    k = [kernel.astype(np.float64) for kernel in net.kernels]
    c = anatomy.composed_weights(net, image, 2, [7])
    expected = k[0][:, on1] @ k[1][on1][:, on2] @ k[2][on2, 7]
    np.testing.assert_allclose(c.effective_weights[0].ravel(), expected, rtol=1e-9, atol=1e-12)
    kernel = c.kernel(16)
    np.testing.assert_array_equal(kernel[:, 7], c.effective_weights[0].ravel())
    assert not kernel[:, :7].any()


def test_contribution_meaning_says_when_it_is_the_gradient():
    assert "gradient" in anatomy.contribution_meaning("relu") and "exactly" in anatomy.contribution_meaning("relu")
    assert "no activation" in anatomy.contribution_meaning("linear")
    for name in ("sigmoid", "tanh"):
        assert "not the gradient" in anatomy.contribution_meaning(name) and name in anatomy.contribution_meaning(name)


def test_neuron_order_of_a_deeper_layer(image):
    net = deep.random_deep_net((40, 20, 16))
    acts = network.forward(net, image)
    by_act = anatomy.neuron_order(net, "activation", acts.hiddens[1], layer=1)
    assert sorted(by_act.tolist()) == list(range(20)) and np.all(np.diff(acts.hiddens[1][by_act]) <= 0)
    by_norm = anatomy.neuron_order(net, "weight norm", layer=2)
    assert np.all(np.diff(np.linalg.norm(net.kernels[2], axis=0)[by_norm]) <= 0)


def test_layer_choices_tensors_and_parameter_sums():
    one, three = random_net(128), deep.random_deep_net((40, 20, 16))
    assert anatomy.layer_choices(three) == ["Layer 1: 40 neurons, reading 784 pixels",
                                            "Layer 2: 20 neurons, reading layer 1's 40 outputs",
                                            "Layer 3: 16 neurons, reading layer 2's 20 outputs"]
    assert anatomy.layer_tensors(one, 0) == ["hidden kernel", "hidden bias", "logits kernel", "logits bias"]
    assert anatomy.layer_tensors(three, 1) == ["hidden 2 kernel", "hidden 2 bias", "logits kernel", "logits bias"]
    hists = anatomy.weight_histograms({"a": three}, names=anatomy.layer_tensors(three, 1))
    assert [h.counts["a"].sum() for h in hists] == [40 * 20, 20, 16 * 10, 10]
    assert anatomy.parameter_sums(one) == "784 × 128 + 128 in the hidden layer, 128 × 10 + 10 in the output layer"
    assert anatomy.parameter_sums(three) == ("784 × 40 + 40 in hidden layer 1, 40 × 20 + 20 in hidden layer 2, "
                                             "20 × 16 + 16 in hidden layer 3, 16 × 10 + 10 in the output layer")


def test_page_texts_at_depth_1_and_deeper(image):
    net = random_net(64, dropout=0.2)
    mask = network.sample_dropout_mask(64, 0.2, np.random.default_rng(0))
    one = anatomy.layer_view(net, image, mask)
    text = anatomy.dropout_summary(one, 0.2)
    assert f"dropped **{64 - int(mask.sum())}** of 64 neurons" in text and "**1.25**" in text
    assert f"**{one.acts.prediction}** with this mask" in text
    three = deep.random_deep_net((40, 20, 16), dropout=0.5)
    masks = network.sample_dropout_masks(three, np.random.default_rng(1))
    text = anatomy.dropout_summary(anatomy.layer_view(three, image, masks), 0.5)
    assert f"**{16 - int(masks[2].sum())}** of 16 in layer 3" in text and "**2**" in text and "these masks" in text
    assert "hidden column" in anatomy.dropout_off(1) and "per layer" in anatomy.dropout_off(3)
    assert "not the gradient" in anatomy.composed_meaning("tanh")
    assert "not the gradient" not in anatomy.composed_meaning("relu") and "exactly" in anatomy.composed_meaning("relu")


def test_contribution_caption_adds_up(image):
    net = deep.random_deep_net((40, 20, 16), "sigmoid")
    c = anatomy.contribution_map(net, image, 3)
    text = anatomy.contribution_caption(c, 3, "sigmoid")
    assert f"adds up to {c.pixels.sum():.3f}" in text and f"logit of 3: {c.logit:.3f}" in text
    assert "every hidden layer's biases" in text and "not the gradient" in text
    assert "neurons that fired" in anatomy.contribution_caption(c, 1, "relu")
    assert anatomy.ranking_title(1) == "Which neurons fired most" and anatomy.ranking_title(2).endswith("layer 1")


def test_node_link_caption_counts_what_is_drawn(image):
    three = deep.random_deep_net((40, 20, 16))
    links = anatomy.node_link(three, network.forward(three, image))
    text = anatomy.node_link_caption(three, links)
    drawn = sum(e.src.size for e in links.edges)
    assert f"{links.units[1].size} of 20 in layer 2" in text and f"the {drawn:,} strongest of the network's " \
        f"{784 * 40 + 40 * 20 + 20 * 16 + 160:,} connections" in text
    one = random_net(64)
    links = anatomy.node_link(one, network.forward(one, image))
    assert "32 of 64 hidden neurons" in anatomy.node_link_caption(one, links)


def test_the_layers_intro_describes_the_networks_own_activation():
    assert set(anatomy.ACTIVATION_WORDS) == set(network.ACTIVATIONS)
    assert "ReLU" in anatomy.layers_intro("relu") and "silent" in anatomy.layers_intro("relu")
    for name in ("sigmoid", "tanh", "linear"):
        intro = anatomy.layers_intro(name)
        assert "ReLU" not in intro and anatomy.ACTIVATION_WORDS[name] in intro
