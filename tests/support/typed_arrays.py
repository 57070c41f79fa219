"""Plotly's typed arrays as numpy: a figure sent to the browser holds numpy data as {dtype, bdata, shape}."""

from __future__ import annotations

import base64

import numpy as np


def array(value) -> np.ndarray:
    """A figure value as numpy: a typed array decoded, a plain list as it is."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(n) for n in shape.split(",")]
        return flat.reshape(shape) if shape else flat
    return np.asarray(value)
