"""How nnviz words numbers and shows text it did not write: one plural, and one escaper per place text goes."""

from __future__ import annotations

import math
import re


def count(n: int, noun: str) -> str:
    """"1 step", "2 steps", "1,000 digits": a number with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def percent(x: float) -> str:
    """An accuracy for a table: "97.3%", or a dash where it was never measured (NaN)."""
    return "—" if math.isnan(x) else f"{100 * x:.1f}%"


def literal(text: str) -> str:
    """Text shown literally inside Markdown (no links, images, HTML, icons or styling). Only the marks
    that can start markup are escaped, so a label stays readable where it is shown as plain text."""
    return re.sub(r"([\\`*_{}\[\]<>#!|~$:&])", r"\\\1", text)


def plot_literal(text: str) -> str:
    """Text shown literally in a plotly figure, which reads <…> as HTML and %{…} as a template: look-alikes."""
    return text.replace("<", "‹").replace(">", "›").replace("%", "％")


def safe_text(value: str, limit: int = 24) -> str:
    """A URL value made safe to echo back in a Markdown code span (no links, images or HTML), and short.
    Inside a code span a backslash escapes nothing, so every mark is replaced instead."""
    kept = re.sub(r"[^A-Za-z0-9.+\-_ ]", "?", value[:limit])
    return kept + ("…" if len(value) > limit else "")
