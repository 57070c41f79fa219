"""Read a plotly chart that a page rendered as data, never as serialised text.

How a figure's JSON escapes non-ASCII text depends on whether orjson is installed, so tests compare
parsed values: figure(chart) is the spec as a dict, strings(figure) every text value inside it.
"""

from __future__ import annotations

import json


def figure(chart) -> dict:
    """The plotly figure an AppTest chart element carries, parsed."""
    return json.loads(chart.proto.spec)


def strings(value) -> list[str]:
    """Every string inside a parsed figure (titles, annotations, trace names, hover templates…)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def mentions(chart, text: str) -> bool:
    """Whether any text value of the chart's figure contains `text`."""
    return any(text in s for s in strings(figure(chart)))


def probabilities(html: str) -> list[float]:
    """The ten probabilities of the Draw page's HTML bars (figures.probabilities), as sent."""
    import re

    found = {int(d): float(p) for d, p in re.findall(r'data-digit="(\d)" data-p="([^"]+)"', html)}
    return [found[d] for d in sorted(found)]
