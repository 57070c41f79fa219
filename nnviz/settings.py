"""The training settings: one table (name, default, range or choices, label, help) and the URL round trip.

Like TensorFlow Playground's state.ts, the table is the single source of truth: the Settings value,
the Train page's controls and the URL parameters are all generated from it. URL values are plain
strings checked against the table (allow-list, type, range); nothing is ever eval'd or unpickled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from types import MappingProxyType

# count: for the Train page's glue (nnviz/app/train_*.py) until it imports it from nnviz.text.
from nnviz.text import count, safe_text  # noqa: F401

MAX_QUERY_CHARS = 32  # longer URL values are rejected before parsing (no huge-number games)
MAX_DEPTH = 4         # hidden layers, at most
WIDTHS = "widths"     # a deeper network's link names every hidden width in one parameter: widths=128,64,32


@dataclass(frozen=True)
class Spec:
    """One setting: its URL name, default, allowed values, and how the Train page presents it."""

    name: str
    label: str
    group: str                       # "Architecture", "Optimisation" or "Data"
    default: int | float | str
    low: float | None = None         # inclusive range for numbers
    high: float | None = None
    choices: tuple[str, ...] = ()    # allowed values for text settings
    stops: tuple = ()                # values a slider offers (any in-range value is still valid)
    log: bool = False                # stops are spaced on a log scale
    help: str = ""

    @property
    def kind(self) -> type:
        return type(self.default)

    def check(self, value) -> int | float | str:
        """The value if it is allowed, else ValueError with a plain-language reason."""
        if self.kind is str:
            if value not in self.choices:
                raise ValueError(f"is not one of {', '.join(self.choices)}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("is not a number")
        if not math.isfinite(value):
            raise ValueError("is not a finite number")
        if self.kind is int and value != int(value):
            raise ValueError("is not a whole number")
        if not self.low <= value <= self.high:
            raise ValueError(f"is outside {_fmt(self.low)}–{_fmt(self.high)}")
        return self.kind(value)

    def parse(self, text: str) -> int | float | str:
        """A URL string → a checked value (ValueError with the reason otherwise)."""
        text = text.strip()
        if not text or len(text) > MAX_QUERY_CHARS:
            raise ValueError("is empty" if not text else "is too long")
        if self.kind is str:
            return self.check(text.lower())
        if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
            raise ValueError("is not a number")  # also refuses nan, inf, 1_000 and hex
        return self.check(float(text) if self.kind is float else _whole(text))


def _whole(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


WIDTH_STOPS = (8, 16, 32, 64, 128, 256, 512, 1024)
SPECS: tuple[Spec, ...] = (
    Spec("width", "Hidden width", "Architecture", 128, 8, 1024,
         stops=WIDTH_STOPS, log=True,
         help="How many neurons the (first) hidden layer has. More neurons can learn more, and also memorise more."),
    Spec("depth", "Hidden layers", "Architecture", 1, 1, MAX_DEPTH, stops=tuple(range(1, MAX_DEPTH + 1)),
         help="How many hidden layers the digit passes through, each with its own width. Dropout follows "
              "each one at the same rate."),
    *(Spec(f"width_{n}", f"Layer {n} width", "Architecture", default, 8, 1024, stops=WIDTH_STOPS, log=True,
           help=f"How many neurons hidden layer {n} has.") for n, default in ((2, 64), (3, 32), (4, 16))),
    Spec("dropout", "Dropout rate", "Architecture", 0.2, 0.0, 0.9,
         stops=tuple(round(0.05 * i, 2) for i in range(19)),
         help="While training, each hidden neuron is switched off at random with this probability, "
              "so the network cannot rely on any single one. It fights overfitting."),
    Spec("activation", "Activation", "Architecture", "relu", choices=("relu", "sigmoid", "tanh", "linear"),
         help="The function each hidden neuron applies to its weighted sum. ReLU is the modern default. "
              "Linear applies none: however many layers, the network is then one linear map."),
    Spec("learning_rate", "Learning rate", "Optimisation", 1e-3, 1e-5, 10.0,
         stops=(1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0), log=True,
         help="How big a step Adam takes on each batch. Too small learns slowly; too large diverges."),
    Spec("batch_size", "Batch size", "Optimisation", 32, 1, 1024,
         stops=(1, 8, 16, 32, 64, 128, 256, 512, 1024), log=True,
         help="How many digits are averaged for each weight update (one step)."),
    Spec("epochs", "Epochs", "Optimisation", 20, 0, 1000,
         stops=(0, 1, 2, 3, 5, 10, 20, 30, 50, 100, 200),
         help="How many passes over the training digits. 0 trains until you press Pause or Stop."),
    Spec("seed", "Seed", "Optimisation", 0, 0, 999_999,
         help="Fixes the random starting weights, shuffling and dropout, so a run can be repeated."),
    Spec("train_size", "Training digits", "Data", 60_000, 100, 60_000,
         stops=(100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000), log=True,
         help="How many training digits to learn from. Few digits make overfitting easy to see: "
              "training accuracy climbs while validation accuracy stalls."),
    Spec("dataset", "Dataset", "Data", "sample", choices=("sample", "full"),
         help="The bundled sample of 10,000 real MNIST digits, or all 70,000 when downloaded."),
)
SPEC: Mapping[str, Spec] = MappingProxyType({spec.name: spec for spec in SPECS})
GROUPS = ("Architecture", "Optimisation", "Data")
LAYER_WIDTHS = ("width", "width_2", "width_3", "width_4")  # each hidden layer's width setting, first to last
IN_WIDTHS = ("depth", *LAYER_WIDTHS[1:])                   # in a link only inside `widths`


@dataclass(frozen=True)
class Settings:
    """Every training setting; always valid (checked against the table when made)."""

    width: int = SPEC["width"].default
    depth: int = SPEC["depth"].default
    width_2: int = SPEC["width_2"].default
    width_3: int = SPEC["width_3"].default
    width_4: int = SPEC["width_4"].default
    dropout: float = SPEC["dropout"].default
    activation: str = SPEC["activation"].default
    learning_rate: float = SPEC["learning_rate"].default
    batch_size: int = SPEC["batch_size"].default
    epochs: int = SPEC["epochs"].default
    seed: int = SPEC["seed"].default
    train_size: int = SPEC["train_size"].default
    dataset: str = SPEC["dataset"].default

    def __post_init__(self):
        for f in fields(self):
            try:
                value = SPEC[f.name].check(getattr(self, f.name))
            except ValueError as exc:
                raise ValueError(f"{f.name}={getattr(self, f.name)!r} {exc}") from None
            object.__setattr__(self, f.name, value)  # normalise 128.0 → 128, 1 → 1.0
        for name in LAYER_WIDTHS[self.depth:]:  # layers the network does not have: so equal networks compare equal
            object.__setattr__(self, name, SPEC[name].default)

    @property
    def widths(self) -> tuple[int, ...]:
        """The hidden layers' widths, first to last."""
        return tuple(getattr(self, name) for name in LAYER_WIDTHS[:self.depth])

    def replace(self, **changes) -> Settings:
        """A copy with some settings changed; `widths=(128, 64)` sets the depth and every layer's width."""
        if "widths" in changes:
            changes.update(widths_fields(changes.pop("widths")))
        return replace(self, **changes)

    def as_dict(self) -> dict[str, int | float | str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def differences(self, other: Settings) -> tuple[str, ...]:
        """Names of the settings that differ between two Settings."""
        return tuple(name for name, value in self.as_dict().items() if getattr(other, name) != value)

    def describe(self) -> str:
        """A short label for legends and run lists."""
        return (f"{width_text(self.widths)} · dropout {self.dropout:g} · {self.activation} · "
                f"lr {self.learning_rate:g} · batch {self.batch_size} · {self.train_size:,} digits")


def layers_text(widths: Sequence[int]) -> str:
    """The hidden layers' widths as a table shows them: '128', '128-64-32'."""
    return "-".join(map(str, widths))


def width_text(widths: Sequence[int]) -> str:
    """How labels name a network's size: 'width 128' for one hidden layer, 'widths 128-64-32' for more."""
    return f"width {widths[0]}" if len(widths) == 1 else f"widths {layers_text(widths)}"


def widths_fields(widths: Sequence[int]) -> dict[str, int]:
    """Every hidden layer's width → the settings that hold them (depth, width, width_2, …)."""
    widths = tuple(widths)
    if not 1 <= len(widths) <= MAX_DEPTH:
        raise ValueError(f"widths={widths!r}: a network has 1 to {MAX_DEPTH} hidden layers")
    return {"depth": len(widths), **dict(zip(LAYER_WIDTHS, widths, strict=False))}


def parse_widths(text: str) -> tuple[int, ...]:
    """A link's `widths` value, e.g. '128,64,32' → (128, 64, 32); ValueError with the reason otherwise."""
    text = text.strip()
    layers = text.count(",") + 1  # counted first: a long list is told as too many layers, not as too long
    if layers > MAX_DEPTH:
        raise ValueError(f"has {layers:,} layers; nnviz builds 1 to {MAX_DEPTH}")
    if not text or len(text) > MAX_QUERY_CHARS:
        raise ValueError("is empty" if not text else "is too long")
    items = text.split(",")
    widths = []
    for item in items:
        try:
            widths.append(SPEC["width"].parse(item))
        except ValueError as exc:
            raise ValueError(f"holds `{safe_text(item.strip())}`, which {exc}") from None
    return tuple(widths)


def _last(raw) -> str:
    """A parameter's text; repeated, the last wins, as in a browser."""
    text = raw[-1] if isinstance(raw, list | tuple) and raw else raw
    return text if isinstance(text, str) else ""


def _list_text(text: str) -> str:
    """A link's list of widths made safe to echo back, keeping its commas (safe_text replaces them)."""
    items = text.split(",")
    shown = ",".join(safe_text(item, 8) for item in items[:MAX_DEPTH + 1])
    return shown + (",…" if len(items) > MAX_DEPTH + 1 else "")


def _notice(label: str, shown: str, reason: ValueError, default) -> str:
    return f"The link's {label} `{shown}` {reason}, so the default {to_text(default)} is used."


def from_query(params: Mapping[str, str | list[str]]) -> tuple[Settings, tuple[str, ...]]:
    """Settings from URL parameters, and one notice per bad value (which falls back to its default).

    Only names in the table are read: other parameters belong to other pages and are left alone. The
    hidden layers come from `widths` (e.g. widths=128,64,32), else from a one-layer link's `width`.
    """
    values, notices = {}, []
    for spec in SPECS:
        if spec.name == "width" and WIDTHS in params:
            text = _last(params[WIDTHS])
            try:
                values.update(widths_fields(parse_widths(text)))
            except ValueError as exc:
                notices.append(_notice("list of hidden widths", _list_text(text), exc, spec.default))
            continue
        if spec.name in IN_WIDTHS or spec.name not in params:
            continue
        text = _last(params[spec.name])
        try:
            values[spec.name] = spec.parse(text)
        except ValueError as exc:
            notices.append(_notice(spec.label.lower(), safe_text(text), exc, spec.default))
    return Settings(**values), tuple(notices)


def to_text(value: int | float | str) -> str:
    """A value as it appears in a URL: exact (floats round-trip) and short."""
    return repr(value) if isinstance(value, float) else str(value)


def to_query(settings: Settings) -> dict[str, str]:
    """URL parameters that from_query turns back into exactly these settings: one hidden layer as
    `width` (as links always had it), more as `widths`, each setting once."""
    query = {}
    for name, value in settings.as_dict().items():
        if name == "width" and settings.depth > 1:
            query[WIDTHS] = ",".join(map(str, settings.widths))
        elif name not in IN_WIDTHS:
            query[name] = to_text(value)
    return query


def stale_names(settings: Settings) -> tuple[str, ...]:
    """Link parameters these settings leave out: `width` once there are more layers, `widths` at one."""
    return tuple(sorted({"width", WIDTHS} - to_query(settings).keys()))


@dataclass(frozen=True)
class Preset:
    """A network the Train page sets up in one click, named by what it teaches."""

    name: str
    lesson: str                  # what it shows: the button's help
    widths: tuple[int, ...]
    activation: str = "relu"
    dropout: float = 0.2         # the tutorial's rate

    def apply(self, settings: Settings) -> Settings:
        """These settings with the preset's network; optimisation and data settings stay as they are."""
        return settings.replace(widths=self.widths, activation=self.activation, dropout=self.dropout)

    def matches(self, settings: Settings) -> bool:
        return (settings.widths, settings.activation, settings.dropout) == (self.widths, self.activation, self.dropout)


PRESETS: tuple[Preset, ...] = (
    Preset("the tutorial's network", "784-128-10 with ReLU and dropout 0.2: TensorFlow's beginner tutorial, "
           "and the pretrained default every page starts with.", (128,)),
    Preset("the course's network", "One wider hidden layer of 256 ReLU neurons.", (256,)),
    Preset("deeper, not wider", "Three hidden layers of 128, 64 and 32 neurons: fewer weights than one layer of "
           "256, each layer building on the one before.", (128, 64, 32)),
    Preset("linear only", "Three hidden layers with no activation. Stacked linear layers are one linear map, so "
           "depth buys nothing: it learns no better than a single layer of logits.", (128, 64, 32), "linear"),
    Preset("sigmoid, 4 deep", "Four sigmoid layers. A sigmoid's slope is at most 0.25, so the gradient shrinks "
           "at every layer on its way back: the first layer's is many times smaller than the last's, the "
           "vanishing gradient (Teach shows each layer's).", (128, 128, 128, 128), "sigmoid"),
)


# The Train page's one-click overfitting experiment: a wide network on few digits, without and with
# heavy dropout. Measured with the real trainer on the bundled sample (seeds 0, 1, 2; batch 32, lr 0.001):
#   dropout 0:   training 100% (all seeds), validation 85.7 / 86.2 / 86.1%: gap 14.3 / 13.8 / 13.9 points,
#                and the validation loss turns back up (0.49 at best, 0.54 at the end);
#   dropout 0.9: training 90.2 / 90.8 / 90.9% (measured with dropout on, as the chart shows it),
#                validation 84.6 / 85.3 / 85.3%: gap 5.6 / 5.5 / 5.6 points; validation loss 0.46–0.48, not rising.
# Dropout 0.5 (or 0.8) on the same setup moved the gap by only 0–4 points, and 1,000 digits at width 128
# (the page's earlier suggestion) barely at all.
OVERFITTING_EXPERIMENT: tuple[Settings, ...] = (
    Settings(width=1024, dropout=0.0, train_size=500, epochs=20),
    Settings(width=1024, dropout=0.9, train_size=500, epochs=20),
)
