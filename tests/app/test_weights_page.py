"""The Weights page's glue: figures of a network's weights alone are built once per network."""

import gc

import plotly.graph_objects as go

from nnviz.app import weights_page
from tests.support import deep


def test_a_figure_of_the_weights_is_built_once_per_network_and_key_and_dropped_with_it():
    built = []

    def build():
        built.append(1)
        return go.Figure()

    before = len(weights_page._figures)  # other tests' networks, e.g. the default model's
    net, other = deep.random_deep_net((8, 6), seed=1), deep.random_deep_net((8, 6), seed=1)  # equal weights
    first = weights_page.per_network(net, ("kernel", 1), build)
    assert weights_page.per_network(net, ("kernel", 1), build) is first and len(built) == 1
    assert weights_page.per_network(net, ("kernel", 2), build) is not first and len(built) == 2  # per key
    assert weights_page.per_network(other, ("kernel", 1), build) is not first and len(built) == 3  # per network
    assert net in weights_page._figures and len(weights_page._figures) == before + 2
    del net
    gc.collect()
    assert len(weights_page._figures) == before + 1  # only `other`'s figures are left
