"""Figures built without plotly's validation (panels.figure) are sent to the browser exactly as validated ones."""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from nnviz import anatomy, data, network, teach
from nnviz.figures import common, layers, panels, weights
from nnviz.figures import teach as teach_figures
from tests.support import deep


def sent(fig: go.Figure) -> dict:
    """What Streamlit's st.plotly_chart sends: the figure's to_dict() as JSON (numpy arrays base64-encoded)."""
    return json.loads(pio.to_json(fig.to_dict(), validate=False))


def validated(fig: go.Figure) -> go.Figure:
    """The same traces and layout through plotly's full validation, as go.Heatmap(...)/update_layout build them."""
    return go.Figure({"data": [t.to_plotly_json() for t in fig.data], "layout": fig.layout.to_plotly_json()})


def page_figures(net, image) -> dict[str, go.Figure]:
    """Every figure of the Layers, Weights and Teach pages, for one network and digit (as the pages draw them)."""
    view = anatomy.layer_view(net, image)
    trained = anatomy.layer_view(net, image, network.sample_dropout_masks(net, np.random.default_rng(1)))
    links = anatomy.node_link(net, view.acts)
    figs = {"flow": layers.flow(view, net.activation), "flow, training": layers.flow(trained, net.activation),
            "dropout": layers.dropout_effect(trained), "ranking": layers.ranking(view, net.activation),
            "node-link": layers.node_link(net, view.acts, links),
            "contribution": layers.contribution(image, anatomy.contribution_map(net, image, 3)),
            "output kernel": weights.output_kernel(net),
            "histograms": weights.histograms(anatomy.weight_histograms({"a": net, "b": net}))}
    for layer in range(net.depth):
        shown = np.arange(8)
        composed = None if layer == 0 else anatomy.composed_weights(net, image, layer, shown)
        kernel = net.kernels[0] if composed is None else composed.kernel(net.widths[layer])
        figs[f"tiles {layer}"] = weights.mosaic(common.tile_mosaic(kernel, shown, columns=4, header=8), 0.2, "t",
                                                value="weight" if layer == 0 else "effective weight")
        one = None if layer == 0 else anatomy.composed_weights(net, image, layer, [2])
        figs[f"neuron {layer}"] = weights.neuron_tiles(net, 2, image, composed=one)
        figs[f"outputs {layer}"] = weights.neuron_outputs(net, 2, layer=layer)
        if layer:
            figs[f"kernel {layer}"] = weights.layer_kernel(net, layer)
    lesson = teach.teach(teach.teach(teach.start(net, image, 4), "adam", 1e-2), "sgd", 1e-2)
    update, grads, label = lesson.last.update, lesson.last.grads, lesson.label
    top = teach.most_affected(update, 6)
    figs |= {"before/after": teach_figures.probabilities_before_after(lesson.probs[0], lesson.probs[-1], label),
             "curve": teach_figures.learning_curve(lesson.probs, label),
             "long curve": teach_figures.learning_curve(np.full((25, 10), 0.1), label),
             "hidden changes": teach_figures.hidden_changes(lesson.current.kernels[0], update.kernels[0],
                                                            grads.kernels[0], top, ["reinforced"] * len(top)),
             "no change": teach_figures.hidden_changes(*[np.zeros((784, 4))] * 3, np.array([], int), []),
             "output changes": teach_figures.output_changes(update.kernels[-1], grads.kernels[-1], label, 7),
             "gradient sizes": teach_figures.gradient_sizes(teach.gradient_sizes(lesson.current, grads))}
    if net.depth > 1:
        rows, cols = teach.strongest_block(update.kernels[1], 10)
        figs["kernel changes"] = teach_figures.kernel_changes(update.kernels[1], grads.kernels[1], rows, cols, "a", "b")
    return figs


@pytest.mark.parametrize("widths, activation", [((40,), "relu"), ((40, 20, 16), "tanh")])
def test_every_figure_is_sent_exactly_as_a_validated_one(widths, activation):
    net = deep.random_deep_net(widths, activation, seed=2)
    image = data.as_float(data.load_sample().x_test[5])
    for name, fig in page_figures(net, image).items():
        assert fig.data or name == "no change", name
        assert sent(fig) == sent(validated(fig)), name


def test_validation_would_notice_a_property_spelt_as_a_shortcut():
    """What the test above guards against: the shortcuts validation expands, left unexpanded."""
    raw = panels.figure([dict(type="heatmap", z=np.eye(2), colorscale="RdBu_r")], {}, 200, title="t")
    assert sent(raw) != sent(validated(raw))
    fixed = panels.figure([dict(type="heatmap", z=np.eye(2), colorscale=panels.scale("RdBu_r"))], {}, 200, title="t")
    assert sent(fixed) == sent(validated(fixed)) and fixed.layout.title.text == "t"


def test_the_house_style_is_common_styles():
    fig = panels.figure([], dict(margin=dict(t=78), legend=dict(x=0)), 250, showlegend=False, legend=dict(y=1))
    styled = common.style(go.Figure(layout=dict(margin=dict(t=78), legend=dict(x=0))), 250, showlegend=False,
                          legend=dict(y=1))
    assert sent(fig) == sent(styled)  # as common.style: its margin over the layout's, legends merged
    later = panels.figure([], {}, 250, margin=dict(t=78))  # a style argument wins, nested keys merged
    assert later.layout.margin.to_plotly_json() == dict(l=10, r=10, t=78, b=10)


def test_merged_merges_nested_dicts_and_changes_neither():
    base, update = dict(a=dict(x=1, y=2), b=[1]), dict(a=dict(y=3), b=[2], c=4)
    assert panels.merged(base, update) == dict(a=dict(x=1, y=3), b=[2], c=4)
    assert base == dict(a=dict(x=1, y=2), b=[1]) and update == dict(a=dict(y=3), b=[2], c=4)
