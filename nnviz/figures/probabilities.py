"""The Draw page's answer as ten HTML bars: drawn by the browser in a millisecond, where a plotly
chart cost a stroke's answer about a fifth more time than a bare canvas's (benchmarks/run.py)."""

from __future__ import annotations

import numpy as np

from nnviz.figures.common import PALETTE

_STYLE = """<style>
.nnviz-probs { display: flex; align-items: flex-end; gap: 0.35em; height: 13em; padding: 1.6em 0 0 0;
  font-variant-numeric: tabular-nums; }
.nnviz-probs .bar { flex: 1; height: 100%; display: flex; flex-direction: column; justify-content: flex-end;
  align-items: center; min-width: 0; cursor: default; }
.nnviz-probs .pct { font-size: 0.8em; white-space: nowrap; line-height: 1.4; }
.nnviz-probs .fill { width: 100%; border-radius: 3px 3px 0 0; min-height: 1px; }
.nnviz-probs .digit { font-size: 1.05em; line-height: 1.6; border-top: 1px solid #50505c; width: 100%;
  text-align: center; }
.nnviz-probs .bar:hover .fill { outline: 2px solid #FFFFFF; }
</style>"""


def probability_html(probs: np.ndarray, title: str = "Probability of each digit") -> str:
    """Ten bars, the likeliest in focus white and the rest neutral grey, each labelled with its
    percentage; hovering (or a screen reader) gives the exact probability."""
    probs = np.asarray(probs, np.float64)
    best = int(probs.argmax())
    bars = []
    for digit, p in enumerate(probs):
        colour = PALETTE["focus"] if digit == best else PALETTE["neutral"]
        label = f"{p:.0%}" if p >= 0.005 else ""
        bars.append(
            f'<div class="bar" data-digit="{digit}" data-p="{float(p)!r}" title="digit {digit}: probability {p:.4f}">'
            f'<span class="pct">{label}</span>'
            f'<span class="fill" style="height:{p * 85:.2f}%;background:{colour}"></span>'
            f'<span class="digit">{digit}</span></div>')
    summary = ", ".join(f"{d}: {p:.0%}" for d, p in enumerate(probs))
    return (f'{_STYLE}<div style="font-weight:600;margin-top:0.5em">{title}</div>'
            f'<div class="nnviz-probs" role="img" aria-label="{title}. {summary}">{"".join(bars)}</div>')
