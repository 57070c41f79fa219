"""Session-state and caching glue: the only nnviz module that imports Streamlit.

Shared, read-only things (datasets, the pretrained default) are cached once per server process;
everything a user changes (their digit, their model) lives in their own st.session_state.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Imported whole, up front: TensorFlow imports pandas too, and if that happens in one thread while a
# page's plotly (which looks pandas up in sys.modules) runs in another, plotly meets a half-imported pandas.
import pandas  # noqa: F401
import streamlit as st

from nnviz import data, inputs, preprocess, settings, training
from nnviz.app import screen
from nnviz.network import Network
from nnviz.run_record import RunRecord
from nnviz.run_store import RunStore

DIGIT = "digit"          # session key: the current CurrentDigit
NETWORK = "network"      # session key: (label, Network) of a model this session made active
NOTICE = "notice"        # session key: (level, text) when the newest input gave no digit
CANVAS_CLEARS = "canvas_clears"  # session key: how often Clear was pressed
TRAINER = "trainer"      # session key: this session's training.Trainer
RUNS = "runs"            # session key: list of this session's ended runs (RunRecord), oldest first
LIVE_RUN = "live_run"    # session key: True while the trainer's run is the active model
URL_NOTICES = "train_url_notices"  # session key: notices about the link's bad values, until the user acts
TRAIN_MESSAGE = "train_message"    # session key: (level, text) answering the last Train-page button
DRAWN = "your drawing"   # the source name of a digit drawn on the canvas
EXPERIMENT = "train_experiment"    # session key: the settings of the experiment's runs still to start
AWAITED_STEP = "train_awaited_step"  # session key: the step count a Step click is still waiting to see pass
POLL_SECONDS = 0.4       # how often live views refresh while training (≥ 2 updates a second)


@dataclass(frozen=True)
class CurrentDigit:
    """The 28×28 digit every page shows, where it came from, and its true label if known."""

    image: np.ndarray
    source: str
    label: int | None = None
    steps: tuple[tuple[str, np.ndarray], ...] = ()  # preprocessing steps, when it was drawn or uploaded


@st.cache_resource(show_spinner="Loading the bundled MNIST sample…")
def sample_dataset() -> data.Dataset:
    return data.load_sample()


@st.cache_resource(show_spinner="Loading the pretrained model…")
def default_network() -> Network:
    from nnviz import keras_file

    # Read with h5py: importing TensorFlow here would add ~3 s to every cold start.
    net = keras_file.read_network(data.asset_path(data.DEFAULT_MODEL_FILE))
    # Streamlit collects garbage after every rerun; freezing what start-up loaded (Streamlit, plotly,
    # pandas…) keeps that collection cheap (single-session predict p95 154 → ~45 ms measured).
    training.settle_heap()
    return net


@st.cache_resource(show_spinner=False)
def _heap_settled_with_tensorflow() -> bool:
    training.settle_heap()  # with TensorFlow loaded, Streamlit's gc after every rerun would cost ~0.3 s
    return True


DEFAULT_LABEL = "pretrained default (width 128)"


def dataset() -> data.Dataset:
    """The dataset this session trains on: the bundled sample unless it chose (available) full MNIST."""
    return training_dataset(st.session_state.get(setting_key("dataset"), "sample"))[0]


def active_network() -> tuple[str, Network]:
    """(label, weights) of the model every page shows. The most recent choice wins: this session's
    training run (live weights, made active by Train or Step), a model it made active (taught,
    uploaded), else the pretrained default."""
    trainer = st.session_state.get(TRAINER)
    if st.session_state.get(LIVE_RUN) and trainer is not None:
        snap = trainer.snapshot
        if snap.network is not None and (snap.step > 0 or snap.active):  # not a fresh, untrained run
            state = "training live" if snap.active else f"{snap.status}, step {snap.step:,}"
            return f"{snap.name} you trained (width {snap.settings.width}, {state})", snap.network
    return st.session_state.get(NETWORK) or (DEFAULT_LABEL, default_network())


def default_digit_notice(text: str) -> bool:
    """On pages that show a digit: say so when it is the default test digit, and link to Draw."""
    if st.session_state.get(DIGIT) is not None:
        return False
    st.info(text, icon=":material/draw:")
    st.page_link("views/draw.py", label="Draw your own digit", icon=":material/draw:")
    return True


def set_digit(image: np.ndarray, source: str, label: int | None = None, steps=()) -> None:
    st.session_state[DIGIT] = CurrentDigit(np.asarray(image, np.float32), source, label, tuple(steps))
    st.session_state[NOTICE] = None


def take_input(source: str, payload: bytes | None, convert: Callable[[], preprocess.Preprocessed],
               token: str | None = None) -> None:
    """Preprocess a new drawing or upload once; the newest input becomes the digit.

    Reruns hand the same canvas or file back again and again; only a new one is processed
    (see inputs.new_input). token: an upload's file_id, so that uploading the same file again counts.
    """
    seen = inputs.new_input(st.session_state.get(f"seen_{source}"), payload, token)
    if seen is None:
        return
    st.session_state[f"seen_{source}"] = seen
    try:
        result = convert()
    except preprocess.BadImage as exc:
        st.session_state[NOTICE] = ("error", str(exc))
        return
    if result.ok:
        set_digit(result.image, source, steps=result.steps)
    else:
        st.session_state[NOTICE] = ("info", result.message)


def notice() -> tuple[str, str] | None:
    return st.session_state.get(NOTICE)


def clear_canvas() -> None:
    """Empty the canvas; a drawn digit goes with it, so no page shows a prediction for ink that is gone."""
    st.session_state[CANVAS_CLEARS] = st.session_state.get(CANVAS_CLEARS, 0) + 1
    digit = st.session_state.get(DIGIT)
    if digit is not None and digit.source == DRAWN:
        st.session_state[DIGIT] = None
    st.session_state[NOTICE] = ("info", preprocess.EMPTY_CANVAS)


def canvas_clears() -> int:
    """How often this session pressed Clear: a new count empties the canvas in place."""
    return st.session_state.get(CANVAS_CLEARS, 0)


def chosen_digit() -> CurrentDigit | None:
    """The digit this session drew, picked or uploaded, or None (the Draw page then asks for one)."""
    return st.session_state.get(DIGIT)


def pick_test_digit(index: int | None = None) -> None:
    """Make a real MNIST test digit current (a random one unless an index is given)."""
    sample = sample_dataset()
    if index is None:
        index = int(np.random.default_rng().integers(len(sample.y_test)))
    set_digit(data.as_float(sample.x_test[index]), f"test digit #{index}", int(sample.y_test[index]))


def current_digit() -> CurrentDigit:
    """The user's digit, or the first test digit so that no page is ever empty."""
    digit = st.session_state.get(DIGIT)
    if digit is None:
        sample = sample_dataset()
        digit = CurrentDigit(data.as_float(sample.x_test[0]), "default test digit", int(sample.y_test[0]))
    return digit


def header() -> None:
    """What every page shares, in one line above it: which model and data are in use, a way back to
    the default, and presenter mode. No sidebar: on a tablet or a projector it took a third of the screen."""
    if "tensorflow" in sys.modules:  # loaded by a page that needed Keras: freeze its objects once
        _heap_settled_with_tensorflow()
    screen.apply()
    label, net = active_network()
    trainer = st.session_state.get(TRAINER)
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="nnviz_header"):
        st.caption(f"**Model:** {label} · **Data:** {dataset().summary}", width="content")
        if label != DEFAULT_LABEL:
            st.button("Use the pretrained default", on_click=reset_active_network, icon=":material/restart_alt:",
                      help="Every page goes back to the model nnviz ships with. Your runs are kept.")
        elif trainer is not None and trainer.snapshot.step > 0 and trainer.snapshot.network is not None:
            st.button(f"Use your {trainer.snapshot.name}", on_click=use_training_run, icon=":material/model_training:",
                      help="Every page shows the weights of your latest training run.")
        screen.presenter_toggle()


def set_active_network(label: str, net: Network) -> None:
    """Make a model of this session's (trained, taught or uploaded) the one every page shows."""
    st.session_state[NETWORK] = (label, net)
    st.session_state.pop(LIVE_RUN, None)


def reset_active_network() -> None:
    st.session_state.pop(NETWORK, None)
    st.session_state.pop(LIVE_RUN, None)


def use_training_run() -> None:
    """Every page now shows the weights of this session's training run, live as it learns."""
    st.session_state[LIVE_RUN] = True
    st.session_state.pop(NETWORK, None)


@st.cache_resource(show_spinner="Initialising a fresh model…", max_entries=8)
def fresh_network(width: int, activation: str = "relu", dropout: float = 0.2, seed: int = 0) -> Network:
    """An untrained model's weights (Keras's own initialisation), for before/after comparisons."""
    from nnviz import model

    with training_pool().build_lock:  # Keras seeds from global state: never alongside a trainer's build
        return model.to_network(model.build_model(width, dropout, activation, seed=seed))


# ---- training: datasets, settings, the session's trainer and its runs ----------------------------

@st.cache_resource(show_spinner=False)
def training_pool() -> training.Pool:
    """The server-wide cap on concurrent training runs (env NNVIZ_MAX_TRAINERS, default 2)."""
    return training.Pool(training.max_trainers())


@st.cache_resource(scope="session", on_release=training.Lease.release, show_spinner=False)
def session_lease() -> training.Lease:
    """Released by Streamlit when this session's browser tab disconnects: that ends its trainer."""
    return training.Lease()


@st.cache_resource(show_spinner="Loading full MNIST…")
def full_dataset() -> data.Dataset:
    return data.load_full_mnist(allow_download=False)


def training_dataset(name: str) -> tuple[data.Dataset, str | None]:
    """The dataset a setting names, or the bundled sample with a notice when it is not available."""
    if name == "full":
        try:
            return full_dataset(), None
        except data.DataUnavailable as exc:
            return sample_dataset(), f"{exc} Training uses the bundled sample instead."
    return sample_dataset(), None


def dataset_named(name: str) -> data.Dataset | None:
    """The dataset a run record names (None if it cannot be loaded now)."""
    if name == sample_dataset().name:
        return sample_dataset()
    try:
        return full_dataset()
    except data.DataUnavailable:
        return None


def download_full_mnist() -> str | None:
    """Fetch full MNIST into Keras's cache; None on success, else the reason it failed."""
    try:
        data.load_full_mnist(allow_download=True)
    except data.DataUnavailable as exc:
        return str(exc)
    return None


def setting_key(name: str) -> str:
    """The session key of one setting's control: the one place that setting is held."""
    return f"setting_{name}"


def train_settings() -> settings.Settings:
    """The Train page's settings, read from its controls' keys (kept for the whole session).

    Until the controls first exist, they are the URL's (a shared link), with one notice per bad value;
    the notices stay until the user acts on the page (see settings_controls and train_command).
    """
    held = {spec.name: st.session_state.get(setting_key(spec.name)) for spec in settings.SPECS}
    if None not in held.values():
        return settings.Settings(**held)
    chosen, notices = settings.from_query(st.query_params.to_dict())
    st.session_state.setdefault(URL_NOTICES, notices)
    return chosen


def url_notices() -> tuple[str, ...]:
    """Notices about the link's bad values, shown until the user changes a setting or presses a button."""
    return st.session_state.get(URL_NOTICES, ())


def _user_acted() -> None:
    st.session_state[URL_NOTICES] = ()


def _format(spec: settings.Spec, available: int) -> Callable:
    if spec.name == "epochs":
        return lambda v: "until paused" if v == 0 else str(v)
    if spec.name == "train_size":
        return lambda v: f"{v:,} (all)" if v == available else f"{v:,}"
    return lambda v: f"{v:g}" if isinstance(v, float) else str(v)


def settings_controls(current: settings.Settings, available: int, group: str) -> settings.Settings:
    """Draw one group's controls from the settings table; return the settings they now show.

    available: how many training digits the chosen dataset has (the training-size slider's end).
    Each control is created with its current value as its declared value, so that whatever the
    browser falls back to is that value, never the slider's first stop (see tests/e2e/test_train.py's
    shared-link test); persist_state keeps it when the user visits other pages.
    """
    values = current.as_dict()
    for spec in (s for s in settings.SPECS if s.group == group):
        key = setting_key(spec.name)
        value = min(values[spec.name], available) if spec.name == "train_size" else values[spec.name]
        common = dict(key=key, help=spec.help, on_change=_user_acted, persist_state="session")
        if spec.choices:
            labels = DATASET_LABELS if spec.name == "dataset" else {}
            values[spec.name] = st.radio(spec.label, spec.choices, index=spec.choices.index(value), horizontal=True,
                                         format_func=lambda c, labels=labels: labels.get(c, c), **common)
        elif spec.stops:
            stops = [v for v in spec.stops if spec.name != "train_size" or v < available]
            stops += [available] if spec.name == "train_size" else []
            values[spec.name] = st.select_slider(spec.label, sorted(set(stops) | {value}), value=value,
                                                 format_func=_format(spec, available), **common)
        else:
            values[spec.name] = st.number_input(spec.label, int(spec.low), int(spec.high), value=value, step=1,
                                                **common)
    return settings.Settings(**values)


DATASET_LABELS = {"sample": "Bundled sample", "full": "Full MNIST"}


def sync_url(chosen: settings.Settings) -> None:
    """Keep the Train page's URL equal to its settings, so a copied link reopens the same setup."""
    for key, value in settings.to_query(chosen).items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def restore_controls(chosen: settings.Settings) -> None:
    """Put the controls back to these settings (a callback: runs before the widgets are drawn)."""
    for name, value in chosen.as_dict().items():
        st.session_state[setting_key(name)] = value


def trainer(chosen: settings.Settings, ds: data.Dataset) -> training.Trainer:
    """This session's trainer, created on first use (or again after its tab disconnected)."""
    current = st.session_state.get(TRAINER)
    if current is not None and current.closed:
        runs()  # keep the closed trainer's ended runs
        current = None
    if current is None:
        with st.spinner("Preparing the model…"):
            current = training.Trainer(ds, chosen, training_pool(), store=saved_runs())
        st.session_state[TRAINER] = current
    session_lease().watch(current)
    return current


def saved_runs() -> RunStore:
    """The runs folder (env NNVIZ_RUNS_DIR, default ./runs) as this session's user may use it: every ended
    run is saved there as theirs. With login on and nobody signed in, the sign-in screen stops the page."""
    from nnviz.app import identity

    return RunStore.from_env(user=identity.require_user())


def runs() -> list[RunRecord]:
    """This session's ended runs, oldest first (copied in from its trainer as they end)."""
    kept = st.session_state.setdefault(RUNS, [])
    current = st.session_state.get(TRAINER)
    if current is not None:
        known = {r.run_id for r in kept}
        kept.extend(r for r in current.records if r.run_id not in known)
    return kept


def live_interval() -> float | None:
    """For any page's @st.fragment(run_every=…): refresh while this session trains, or while a Step it
    asked for has not shown yet (a worker may still be preparing the run), else never."""
    current = st.session_state.get(TRAINER)
    if current is None:
        return None
    snap = current.snapshot
    return POLL_SECONDS if snap.active or snap.status == "starting" or step_pending() else None


def step_pending() -> bool:
    """True while a Step this session asked for has not shown in its trainer's snapshot yet."""
    current = st.session_state.get(TRAINER)
    if current is None:
        return False
    snap = current.snapshot
    asked = st.session_state.get(AWAITED_STEP) == snap.step
    return asked and not snap.ended and snap.status not in ("failed", "closed")


def say(level: str, text: str) -> None:
    """Answer a Train-page button with a message, shown until the next button press."""
    st.session_state[TRAIN_MESSAGE] = (level, text)


def start_experiment() -> None:
    """The one-click overfitting experiment (a callback): its runs train one after another, each
    with its settings shown in the controls; continue_experiment starts the next when one ends."""
    first, *rest = settings.OVERFITTING_EXPERIMENT
    ds = training_dataset(first.dataset)[0]
    train_command("reset", first, ds)
    restore_controls(first)
    trainer(first, ds).play()
    use_training_run()
    st.session_state[EXPERIMENT] = rest
    say("info", f"The experiment trains {settings.count(len(rest) + 1, 'run')} on "
        f"{first.train_size:,} digits with a {first.width}-neuron hidden layer: dropout "
        + " then ".join(f"{s.dropout:g}" for s in settings.OVERFITTING_EXPERIMENT) + ". They appear under "
        "Compare runs as they end.")


def continue_experiment() -> None:
    """Start the experiment's next run once the current one has ended (before the controls are drawn)."""
    waiting = st.session_state.get(EXPERIMENT)
    current = st.session_state.get(TRAINER)
    if not waiting or current is None or not current.snapshot.ended:
        return
    following, *rest = waiting
    st.session_state[EXPERIMENT] = rest
    restore_controls(following)
    current.reset(following, training_dataset(following.dataset)[0])
    current.play()
    use_training_run()


def train_command(action: str, chosen: settings.Settings, ds: data.Dataset) -> None:
    """The Train page's buttons (as on_click callbacks). Redundant clicks get a message, never an error."""
    st.session_state.pop(TRAIN_MESSAGE, None)  # a new click: the previous answer no longer applies
    st.session_state.pop(EXPERIMENT, None)  # the user takes over: the experiment starts no more runs
    _user_acted()
    t = trainer(chosen, ds)
    snap = t.snapshot
    fresh = snap.ended or snap.status in ("failed", "closed") or (snap.step == 0 and snap.settings != chosen)
    if action in ("play", "step"):
        if snap.active:
            return say("info", "Already training." if action == "play" else
                       "Pause first: Step trains exactly one batch while paused.")
        if snap.in_progress and snap.settings != chosen:
            return say("warning", "Your settings changed: start a new run, or undo the changes, first.")
        if fresh:
            t.reset(chosen, ds)
        st.session_state[AWAITED_STEP] = t.snapshot.step if action == "step" else None
        t.play() if action == "play" else t.step()
        use_training_run()
    elif action == "pause":
        if not snap.active:
            return say("info", "Nothing is training, so there is nothing to pause.")
        t.pause()
    elif action == "stop":
        if not snap.in_progress:
            return say("info", "Nothing is training, so there is nothing to stop. Press Train to start.")
        t.stop()
        say("success", f"{snap.name} stopped and was tested on the held-out digits: see below.")
    elif action == "reset":
        t.reset(chosen, ds)
        say("success", f"A new run with fresh random weights from seed {chosen.seed}."
            + (f" {snap.name} is kept for comparison." if snap.step else ""))
    elif action == "undo":
        restore_controls(snap.settings)


def send_to_draw(index: int, ds: data.Dataset) -> None:
    """Make a test digit the current digit of every page."""
    name = "test digit" if ds.name == sample_dataset().name else f"{ds.name} test digit"
    set_digit(data.as_float(ds.x_test[index]), f"{name} #{index}", int(ds.y_test[index]))
