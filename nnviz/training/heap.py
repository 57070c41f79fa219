"""Keep Python's cyclic garbage collector cheap in a process holding a large, long-lived heap."""

from __future__ import annotations

import gc


def settle_heap(thaw: bool = True) -> None:
    """Collect garbage once, then exempt everything alive from later collections.

    With TensorFlow loaded a full collection walks ~400k objects for ~0.3 s while holding the GIL.
    Streamlit would run one after every script run (nnviz turns its runner.postScriptGC off; see
    nnviz/app/runtime.py), and a training worker's own collections would pause its training. Frozen
    objects are still freed by reference counting, and unfreezing first lets the previous
    settlement's cyclic garbage go, so memory stays bounded. Called by a training worker once TensorFlow
    and its graph are loaded; by nnviz/app/runtime.py in the server with thaw=False: what it froze
    (modules, caches) lives as long as the server, and that collection then walks only what is new.
    """
    if thaw:
        gc.unfreeze()
    gc.collect()
    gc.freeze()
