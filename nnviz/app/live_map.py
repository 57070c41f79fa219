"""The Train page's live hidden-layer map: the run's latest weights mapped at most once a second, each frame
turned to match the one before (kept per session), so the clusters form without flipping or jumping."""

from __future__ import annotations

import time

import pyarrow as pa
import streamlit as st

from nnviz import projection
from nnviz.app import digit_choice, map_page
from nnviz.app.resources import sample_dataset
from nnviz.figures import projection as figures
from nnviz.training.snapshot import Snapshot

FRAME = "live_map_frame"  # this session's last frame: the next one is aligned to it
# The live data, resent each second, in the smallest types that keep it (figures.projection.live_data makes
# 64-bit numbers and plain texts): 27 kB a frame instead of 58 kB
LIVE_SCHEMA = pa.schema([("x", pa.float32()), ("y", pa.float32()), ("digit", pa.dictionary(pa.int8(), pa.string())),
                         ("index", pa.int32()), ("star", pa.bool_())])


@st.cache_resource(show_spinner=False)
def map_digits() -> tuple:
    """(images, labels) of the map digits, shared by every session. Not map_page.map_digits, which also
    makes the Map page's 2,000 hover pictures: about a second of the server's CPU, spent during the first
    training on a server (drawing students waited), for a chart that shows none."""
    return projection.map_digits(sample_dataset())


def live_map(snap: Snapshot) -> None:
    """The map of the layer chosen on the Map page (else the last hidden layer) for this snapshot's weights,
    with the current digit as the star. Call it from a fragment that refreshes about once a second."""
    net = snap.network
    if net is None:
        return
    layer = projection.chosen_layer(st.session_state.get(map_page.LAYER), net.depth)
    images, labels = map_digits()
    frame = projection.advance(st.session_state.get(FRAME), snap.run_id, snap.step, net, images, labels, layer,
                               time.monotonic())
    st.session_state[FRAME] = frame
    star = projection.place(frame.net, digit_choice.current_digit().image, frame.map)
    # The title stays the same while training, so the browser swaps the data in place (the step is in the caption)
    st.vega_lite_chart(figures.live_data(frame.map, star).cast(LIVE_SCHEMA), figures.live_spec(
        f"How {projection.layer_name(layer, net)} sorts 2,000 test digits"), width="stretch")
    st.caption(f"At step {frame.step:,}. Each dot is a test digit, coloured by its true label; the white star is "
               "your digit. As the network learns, the digits gather into clouds of their own. The Map page "
               "explains the picture and lets you pick the layer.")
