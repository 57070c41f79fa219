"""The Train page's live views in a real script run while a run trains: Vega-Lite charts with their data,
and "which layer is learning" with one line per hidden layer, at depth 1 and 3."""

import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from nnviz.app import session
from tests.conftest import ROOT


def vega_charts(at) -> dict[str, tuple[dict, pa.Table]]:
    """Each Vega-Lite chart on the page by its title (or y-axis title): its spec and its data."""
    charts = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        title = (spec.get("title") or {}).get("text") or spec["encoding"]["y"]["title"]
        charts[title] = (spec, pa.ipc.open_stream(element.proto.data.data).read_all())
    return charts


@pytest.mark.parametrize(("widths", "layers"), [("16", ["layer 1"]), ("32,16,8", ["layer 1", "layer 2", "layer 3"])])
def test_while_training_the_live_charts_show_the_run_and_each_hidden_layers_change(widths, layers):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"train_size": "100", "widths": widths, "epochs": "0", "batch_size": "16"})
    at.switch_page("views/train.py")
    at.run()
    try:
        assert not at.exception
        at.button(key="train_play").click().run()
        trainer = at.session_state[session.TRAINER]
        first = trainer.wait_for(lambda s: s.step >= 5, 60).step
        at.run()
        trainer.wait_for(lambda s: s.step > first + 5, 60)
        at.run()  # a second snapshot with later weights: a change to show
        assert not at.exception
        charts = vega_charts(at)
        assert {"accuracy", "loss", "Your digit, answered as it learns", "Which layer is learning"} <= set(charts)
        spec, data = charts["Which layer is learning"]
        rows = data.to_pandas()
        assert sorted(rows["layer"].unique()) == layers and (rows["change"] > 0).all()
        assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == layers
        curves = charts["loss"][1].to_pandas()
        assert curves.query("series == 'training, each batch'")["step"].max() >= first  # the run's own steps
    finally:
        if session.TRAINER in at.session_state:
            at.session_state[session.TRAINER].close()
