"""The Train page's settings: one control per setting (its session key holds the value), the presets, the
link they come from on a first visit, and the link kept equal to them."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from nnviz import settings
from nnviz.app import session

DATASET_LABELS = {"sample": "Bundled sample", "full": "Full MNIST"}
CHOICE_LABELS = {"dataset": DATASET_LABELS, "activation": {"linear": "linear (none)"}}
PRESET_KEY = "preset_"  # + a preset's position in settings.PRESETS: its button's key


def train_settings() -> settings.Settings:
    """The Train page's settings, read from its controls' keys (kept for the whole session).

    Until the controls first exist, they are the URL's (a shared link), with one notice per bad value;
    the notices stay until the user acts on the page (see settings_controls and train_controls.press).
    """
    held = _held()
    if held is not None:
        return settings.Settings(**held)
    chosen, notices = settings.from_query(st.query_params.to_dict())
    session.keep_url_notices(notices)
    return chosen


def _held() -> dict | None:
    """What the controls hold, or None before they first exist. A hidden layer's width control exists only
    once the network has that layer: until then the layer is at its default width (what its control starts at)."""
    held = {spec.name: session.setting(spec.name) for spec in settings.SPECS}
    if held["depth"] is None:
        return None
    for name in settings.LAYER_WIDTHS[1:]:
        held[name] = settings.SPEC[name].default if held[name] is None else held[name]
    return None if None in held.values() else held


def user_acted() -> None:
    """The user changed a setting or pressed a button: the link's notices have been seen."""
    session.clear_url_notices()


def _format(spec: settings.Spec, available: int) -> Callable:
    if spec.name == "epochs":
        return lambda v: "until paused" if v == 0 else str(v)
    if spec.name == "train_size":
        return lambda v: f"{v:,} (all)" if v == available else f"{v:,}"
    return lambda v: f"{v:g}" if isinstance(v, float) else str(v)


def _stops(spec: settings.Spec, value, available: int) -> list:
    """A slider's stops: the training size's end at the digits the dataset has, and always the current value."""
    stops = [v for v in spec.stops if spec.name != "train_size" or v < available]
    stops += [available] if spec.name == "train_size" else []
    return sorted(set(stops) | {value})


def settings_controls(current: settings.Settings, available: int, group: str) -> settings.Settings:
    """Draw one group's controls from the settings table; return the settings they now show.

    available: how many training digits the chosen dataset has (the training-size slider's end).
    Each control is created with its current value as its declared value, so that whatever the
    browser falls back to is that value, never the slider's first stop (see tests/e2e/test_train.py's
    shared-link test); persist_state keeps it when the user visits other pages.
    """
    values = current.as_dict()
    if group == "Architecture":
        presets(current)
    for spec in (s for s in settings.SPECS if s.group == group and s.name not in settings.IN_WIDTHS):
        if spec.name == "width":
            values.update(layer_controls(current))
            continue
        value = min(values[spec.name], available) if spec.name == "train_size" else values[spec.name]
        common = dict(key=session.setting_key(spec.name), help=spec.help, on_change=user_acted,
                      persist_state="session")
        if spec.choices:
            labels = CHOICE_LABELS.get(spec.name, {})
            values[spec.name] = st.radio(spec.label, spec.choices, index=spec.choices.index(value), horizontal=True,
                                         format_func=lambda c, labels=labels: labels.get(c, c), **common)
        elif spec.stops:
            values[spec.name] = st.select_slider(spec.label, _stops(spec, value, available), value=value,
                                                 format_func=_format(spec, available), **common)
        else:
            values[spec.name] = st.number_input(spec.label, int(spec.low), int(spec.high), value=value, step=1,
                                                **common)
    return settings.Settings(**values)


def layer_controls(current: settings.Settings) -> dict[str, int]:
    """How many hidden layers, then a width control for each: the settings they now show."""
    depth_spec = settings.SPEC["depth"]
    depth = st.radio(depth_spec.label, depth_spec.stops, index=depth_spec.stops.index(current.depth), horizontal=True,
                     key=session.setting_key("depth"), help=depth_spec.help, on_change=user_acted,
                     persist_state="session")
    values = {"depth": depth}
    for n, name in enumerate(settings.LAYER_WIDTHS[:depth], start=1):
        spec, value = settings.SPEC[name], getattr(current, name)
        values[name] = st.select_slider(spec.label if depth == 1 or n > 1 else "Layer 1 width",
                                        _stops(spec, value, 0), value=value, format_func=str,
                                        key=session.setting_key(name), help=spec.help, on_change=user_acted,
                                        persist_state="session")
    return values


def presets(current: settings.Settings) -> None:
    """One button per preset network; the one the controls show now is highlighted."""
    with st.container(horizontal=True, gap="small", key="train_presets"):
        for i, preset in enumerate(settings.PRESETS):
            st.button(preset.name, key=f"{PRESET_KEY}{i}", help=preset.lesson, on_click=use_preset,
                      args=(preset,), type="primary" if preset.matches(current) else "secondary",
                      wrap=True)  # a long name wraps in a narrow column instead of ending in '…'


def use_preset(preset: settings.Preset) -> None:
    """A preset's button (a callback): the controls show its network; the other settings stay."""
    user_acted()
    current = train_settings()
    restore_controls(preset.apply(current))


def sync_url(chosen: settings.Settings) -> None:
    """Keep the Train page's URL equal to its settings, so a copied link reopens the same setup."""
    for key, value in settings.to_query(chosen).items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    for key in settings.stale_names(chosen):  # one hidden layer: `width`; more: `widths`, never both
        if key in st.query_params:
            del st.query_params[key]


def restore_controls(chosen: settings.Settings) -> None:
    """Put the controls back to these settings (a callback: runs before the widgets are drawn)."""
    for name, value in chosen.as_dict().items():
        session.set_setting(name, value)
