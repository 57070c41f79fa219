"""Layers figures: each column shows the layer's values, zeros and dropped units distinctly, edges truthfully."""

import numpy as np
import plotly.io as pio
import pytest

from nnviz import anatomy, data, network
from nnviz.figures import layers
from tests.support import deep
from tests.test_anatomy import random_net


@pytest.fixture(scope="module")
def image():
    return data.as_float(data.load_sample().x_test[1])


@pytest.fixture(scope="module")
def net():
    return random_net(96)


def hidden_traces(fig, column):
    axis = "x" if column == 1 else f"x{column}"
    return [t for t in fig.data if t.type == "heatmap" and t.xaxis == axis]


def test_flow_columns_hold_each_layers_values(net, image):
    view = anatomy.layer_view(net, image)
    fig = layers.flow(view)
    acts = view.acts
    np.testing.assert_array_equal(np.asarray(fig.data[0].z)[:, 0], acts.inputs)
    active, silent = hidden_traces(fig, 2)
    z_active, z_silent = np.asarray(active.z, float)[:, 0], np.asarray(silent.z, float)[:, 0]
    on = acts.hidden > 0
    np.testing.assert_allclose(z_active[on], acts.hidden[on])
    assert np.isnan(z_active[~on]).all() and np.isnan(z_silent[on]).all() and (z_silent[~on] == 1).all()
    assert silent.colorscale[0][1] == layers.SILENT  # zeros drawn in their own flat colour
    assert "inference" in fig.layout.annotations[2].text
    np.testing.assert_allclose(fig.data[-2].x, acts.logits)
    np.testing.assert_allclose(fig.data[-1].x, acts.probs)


def test_flow_in_training_mode_marks_dropped_units(net, image):
    mask = network.sample_dropout_mask(96, 0.2, np.random.default_rng(2))
    view = anatomy.layer_view(net, image, mask)
    fig = layers.flow(view)
    column = hidden_traces(fig, 3)
    assert len(column) == 3 and "training" in fig.layout.annotations[2].text
    dropped = np.asarray(column[2].z, float)[:, 0]
    assert (dropped[mask == 0] == 1).all() and np.isnan(dropped[mask == 1]).all()
    survivors = np.asarray(column[0].z, float)[:, 0]
    keep = (mask == 1) & (view.acts.hidden > 0)
    np.testing.assert_allclose(survivors[keep], view.acts.hidden[keep] / 0.8, rtol=1e-6)
    effect = layers.dropout_effect(view)
    np.testing.assert_allclose(effect.data[0].y, view.inference.probs)
    np.testing.assert_allclose(effect.data[1].y, view.acts.probs)


def test_ranking_sorts_outputs_and_marks_the_silent_ones(net, image):
    view = anatomy.layer_view(net, image)
    fig = layers.ranking(view)
    bars = fig.data[0]
    np.testing.assert_allclose(bars.y, np.sort(view.acts.hidden)[::-1])
    np.testing.assert_allclose(view.acts.hidden[np.asarray(bars.customdata)], bars.y)  # hover names the neuron
    assert f"{view.sparsity.silent} silent" in fig.layout.annotations[0].text


def test_node_link_draws_the_selected_edges_with_sign_colours(net, image):
    acts = network.forward(net, image)
    links = anatomy.node_link(net, acts, hidden_units=16, input_edges=40, output_edges=20)
    fig = layers.node_link(net, acts, links)
    scatters = [t for t in fig.data if t.type == "scatter"]
    lines = [t for t in scatters if t.mode == "lines"]
    segments = sum(np.isnan(np.asarray(t.x, float)).sum() for t in lines)
    assert segments == 40 + 20  # every selected edge drawn once, nothing else
    red = sum(np.isnan(np.asarray(t.x, float)).sum() for t in lines if t.line.color == layers.POSITIVE)
    assert red == np.sum(links.input_edges.contribution > 0) + np.sum(links.output_edges.contribution > 0)
    assert len(lines) <= 16  # sign × 4 thicknesses per layer: a handful of traces, not one per edge
    hover = [t for t in scatters if t.mode == "markers" and t.text is not None and len(t.text) == 40][0]
    i, j = links.input_edges.src[0], links.input_edges.dst[0]
    assert f"pixel {i} " in hover.text[0] and f"neuron {j}" in hover.text[0]
    digits = fig.data[-1]
    np.testing.assert_allclose(np.asarray(digits.customdata)[:, 0], acts.logits)


def test_contribution_panels(net, image):
    c = anatomy.contribution_map(net, image, 7)
    fig = layers.contribution(image, c)
    np.testing.assert_array_equal(fig.data[0].z, image)
    np.testing.assert_allclose(fig.data[1].z, c.effective_weights)
    np.testing.assert_allclose(fig.data[2].z, c.pixels)
    assert fig.data[2].zmin == -fig.data[2].zmax  # diverging, centred on 0
    np.testing.assert_allclose(np.asarray(fig.data[2].customdata)[..., 5], c.pixels)


def test_titles_fit_a_phone(net, image):
    """Issue 12: at 390 px the ranking title was cut off, the three contribution titles overlapped and the node-link
    diagram's labels ran into each other: a phone fits about 45 characters across, 15 over a third."""
    view = anatomy.layer_view(net, image)
    assert len(layers.ranking(view).layout.title.text) <= 45
    contribution = layers.contribution(image, anatomy.contribution_map(net, image, 7))
    assert all(len(a.text) <= 15 for a in contribution.layout.annotations)
    links = anatomy.node_link(net, view.acts)
    fig = layers.node_link(net, view.acts, links)
    assert all(len(line) <= 15 for a in fig.layout.annotations for line in a.text.split("<br>"))
    assert fig.layout.xaxis.range[1] - fig.data[-1].x[0] >= 0.4  # room for the digits' labels right of them


def test_every_figure_of_the_layers_page_builds(net, image):
    """What layers.all_figures checked before it was removed as dead code: each of the page's figures draws."""
    view = anatomy.layer_view(net, image)
    figs = {"flow": layers.flow(view, net.activation), "ranking": layers.ranking(view, net.activation),
            "node_link": layers.node_link(net, view.acts, anatomy.node_link(net, view.acts)),
            "contribution": layers.contribution(image, anatomy.contribution_map(net, image, view.acts.prediction))}
    assert set(figs) == {"flow", "ranking", "node_link", "contribution"}
    assert all(len(fig.data) > 0 for fig in figs.values())


def test_flow_at_depth_3_has_a_column_per_layer_with_its_sparsity(image):
    net = deep.random_deep_net((40, 20, 16), seed=1)
    view = anatomy.layer_view(net, image)
    fig = layers.flow(view)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[1:4] == [f"Layer {i}<br>{s.width}<br>{s.active} on" for i, s in enumerate(view.sparsities, 1)]
    for i in range(3):
        active, silent = hidden_traces(fig, i + 2)
        np.testing.assert_allclose(np.asarray(active.customdata)[:, 0, 2], view.acts.hiddens[i], rtol=1e-6)
        assert (np.asarray(silent.z, float)[:, 0] == 1).sum() == view.sparsities[i].silent
    masks = network.sample_dropout_masks(net, np.random.default_rng(4))
    trained = layers.flow(anatomy.layer_view(net, image, masks))
    for i, mask in enumerate(masks):  # dropped units purple in their own layer's column
        dropped = np.asarray(hidden_traces(trained, i + 2)[2].z, float)[:, 0]
        assert (dropped[mask == 0] == 1).all() and np.isnan(dropped[mask == 1]).all()


def test_node_link_at_4_by_512_stays_light_and_draws_every_edge_once(image):
    net = deep.random_deep_net((512, 512, 512, 512), seed=2)
    acts = network.forward(net, image)
    links = anatomy.node_link(net, acts)
    fig = layers.node_link(net, acts, links)
    lines = [t for t in fig.data if t.type == "scatter" and t.mode == "lines"]
    assert sum(np.isnan(np.asarray(t.x, float)).sum() for t in lines) == sum(e.src.size for e in links.edges)
    assert len(lines) <= 8 * len(links.edges)  # sign × 4 thicknesses per gap between columns
    nodes = [t for t in fig.data if t.hovertemplate and "weighted input" in t.hovertemplate]
    assert [len(t.x) for t in nodes] == [u.size for u in links.units]
    assert "layer 4 neuron" in nodes[-1].hovertemplate
    assert len(pio.to_json(fig, validate=False)) < 250_000
