"""Load: many real Streamlit sessions on one served app, drawing and training at once (no browser).

Each Session speaks Streamlit's own protocol over the websocket a browser tab opens
(/_stcore/stream): BackMsg protobufs out (page loads, clicks, canvas drawings), ForwardMsg protobufs
back (the page's elements, then "script finished"). So every session is a real server session with
its own id, session state and session-scoped resources (the training lease), as a tab is.
Shared by tests/test_load.py and benchmarks/run.py (predict_latency_under_load).
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

from nnviz import network, preprocess
from nnviz.network import Network
from tests.support import charts, strokes

DEFAULT_MODEL = "pretrained default (width 128)"
# A deployed server's sources do not change. Here other work may edit them during a run, and Streamlit's
# file watcher would then reload nnviz's modules under running sessions (pages failing to import).
SERVER_ENV = {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
STYLES = list(strokes.STYLES)
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
        ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


class Session:
    """One browser tab: a websocket session showing one page of the served app."""

    def __init__(self, url: str, page: str = "", query: str = "", timeout: float = 120.0):
        """page: its url path ("" is the Draw page, "train" the Train page); query: the URL's query string."""
        self.ws = connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                          proxy=None, max_size=None, max_queue=None, compression=None, open_timeout=30,
                          ping_interval=None, legacy=True)  # a browser answers the server's pings, sends none
        self.page, self.query, self.timeout = page, query, timeout
        self.page_hash = ""               # the current page, once the server has named it
        self.pages: dict[str, str] = {}   # url path → page script hash, from the navigation message
        self.elements: dict[tuple, object] = {}  # delta path → Element on screen
        self.fragments: dict[str, float] = {}    # fragment id → seconds between the browser's reruns
        self.fragment_of: dict[tuple, str] = {}  # delta path → the fragment that drew it ("" if none)

    # ---- what a browser sends ----------------------------------------------------------------
    def run(self, widgets: tuple[WidgetState, ...] = (), fragment: str = "", auto: bool = True) -> float:
        """One script run (a page load, a click, a drawing; a fragment's refresh, `auto` when its timer
        fired it); returns its seconds, from sending the request to the server's "script finished"."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.page_name = "" if self.page_hash else self.page
        state.widget_states.widgets.extend(widgets)
        if fragment:
            state.fragment_id, state.is_auto_rerun = fragment, auto
        full = not fragment  # a fragment's run redraws only the fragment
        start = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(self.ws.recv(self.timeout))
            kind = reply.WhichOneof("type")
            if kind == "new_session" and full:  # a full run starts: the page is drawn from scratch
                self.elements, self.fragments, self.fragment_of = {}, {}, {}
            elif kind == "navigation":
                self.page_hash = reply.navigation.page_script_hash
                self.pages = {p.url_pathname: p.page_script_hash for p in reply.navigation.app_pages}
            elif kind == "auto_rerun":
                self.fragments[reply.auto_rerun.fragment_id] = reply.auto_rerun.interval
            elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                self.elements[tuple(reply.metadata.delta_path)] = reply.delta.new_element
                self.fragment_of[tuple(reply.metadata.delta_path)] = reply.delta.fragment_id
            elif kind == "script_finished" and reply.script_finished in DONE:
                return time.perf_counter() - start
            elif kind == "script_finished":  # st.rerun(): a full run follows
                full = True

    def goto(self, page: str) -> float:
        """Open another page (by url path) in the same session, as the sidebar does."""
        self.page_hash = self.pages[page]
        return self.run()

    def click(self, label: str) -> float:
        [button] = [e.button for e in self.of("button") if e.button.label == label]
        return self.run((WidgetState(id=button.id, trigger_value=True),))

    def draw(self, rgba: np.ndarray) -> float:
        """Send a drawing the way the canvas does when a stroke ends: its pixels as a PNG data URL. As
        in a browser, a canvas inside a fragment reruns only that fragment."""
        path, canvas = next((p, e) for p, e in sorted(self.elements.items())
                            if e.WhichOneof("type") == "bidi_component")
        state = canvas_state(canvas.bidi_component.id, rgba)
        return self.run((state,), fragment=self.fragment_of.get(path, ""), auto=False)

    def refresh_due(self, last: dict[str, float]) -> int:
        """Rerun each live fragment whose interval has passed, as the browser's timers do; how many ran."""
        due = [f for f, interval in self.fragments.items() if time.monotonic() - last.get(f, 0.0) >= interval]
        for fragment in due:
            last[fragment] = time.monotonic()
            self.run(fragment=fragment)
        return len(due)

    def close(self) -> None:
        self.ws.close()

    # ---- what the page shows -----------------------------------------------------------------
    def of(self, kind: str) -> list:
        return [e for _, e in sorted(self.elements.items()) if e.WhichOneof("type") == kind]

    def metric(self, label: str) -> str | None:
        return next((e.metric.body for e in self.of("metric") if e.metric.label == label), None)

    def captions(self) -> list[str]:
        return [e.markdown.body for e in self.of("markdown") if e.markdown.element_type == e.markdown.CAPTION]

    def alerts(self) -> list[str]:
        return [e.alert.body for e in self.of("alert")]

    def exceptions(self) -> list[str]:
        return [e.exception.message for e in self.of("exception")]

    def model_label(self) -> str | None:
        """The sidebar's "Model:" caption: which model this session's pages use."""
        caption = next((c for c in self.captions() if c.startswith("**Model:**")), None)
        return None if caption is None else caption.removeprefix("**Model:** ").split(" · **Data:**")[0]

    def probabilities(self) -> np.ndarray | None:
        """The Draw page's 10 probability bars, exactly as sent."""
        for element in self.of("html"):
            found = charts.probabilities(element.html.body)
            if len(found) == 10:
                return np.array(found, np.float64)
        return None

    def training_status(self) -> tuple[str, int]:
        """The Train page's live status ("training", "queued" or another) and its Step count."""
        texts = self.alerts()
        status = ("queued" if any(t.startswith("Queued:") for t in texts) else
                  "training" if any(t.startswith("Training") or t == "Compiling the training step…"
                                    for t in texts) else
                  "other")
        return status, int((self.metric("Step") or "0").replace(",", ""))


def canvas_state(widget_id: str, rgba: np.ndarray) -> WidgetState:
    """The drawable canvas's widget value after a stroke: its Fabric JSON and its pixels."""
    png = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(png, "PNG")
    url = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    return WidgetState(id=widget_id, json_value=json.dumps({"drawing": {"raw": {"objects": []}, "data": url}}))


def drawing(session: int, round_: int) -> np.ndarray:
    """Session's digit for a round: a different digit and style each round, and a stroke width only
    this session uses (for up to 20 sessions), so no two sessions ever draw the same pixels."""
    digit = (session + round_) % 10
    style = STYLES[(session // 10 + round_) % len(STYLES)]
    return strokes.rasterise(strokes.strokes(digit, style), width=10 + session % 20)


@dataclass
class Drawer:
    """A drawing session's record: what it drew, what its page answered, and how long each took."""

    index: int
    latencies: list[float] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)  # per drawing: what was shown and what was expected
    error: str = ""

    @property
    def complete(self) -> bool:
        return not self.error

    def problems(self) -> list[str]:
        """Everything this session saw that was not its own digit on the pretrained model."""
        found = [self.error] if self.error else []
        for a in self.answers:
            if a["exceptions"] or a["model"] != DEFAULT_MODEL or a["prediction"] != str(a["expected"]) \
                    or a["probs"] is None or not np.allclose(a["probs"], a["expected_probs"], atol=1e-6):
                found.append(f"session {self.index} round {a['round']}: {a}")
        return found


def draw_rounds(url: str, drawer: Drawer, net: Network, rounds: int, think: float, start_round: int = 0) -> None:
    """Open the Draw page, then draw `rounds` digits with a person's pauses between them (±50%)."""
    pause = random.Random(drawer.index)
    try:
        tab = Session(url)
        try:
            tab.run()
            for r in range(start_round, start_round + rounds):
                image = drawing(drawer.index, r)
                expected = network.forward(net, preprocess.from_canvas(image).image)
                time.sleep(think * pause.uniform(0.5, 1.5))
                drawer.latencies.append(tab.draw(image))
                drawer.answers.append(dict(round=r, prediction=tab.metric("Prediction"), probs=tab.probabilities(),
                                           expected=expected.prediction, expected_probs=expected.probs,
                                           model=tab.model_label(), exceptions=tab.exceptions()))
        finally:
            tab.close()
    except Exception as exc:  # noqa: BLE001 - recorded: the caller asserts every session completed
        drawer.error = f"session {drawer.index}: {type(exc).__name__}: {exc}"


class Trainee:
    """A session on the Train page that pressed Train and keeps its live charts refreshing, like a tab."""

    def __init__(self, url: str, query: str):
        self.tab = Session(url, "train", query)
        self.tab.run()
        self.tab.click("Train")
        self.timeline: list[tuple[float, str, int]] = [(time.monotonic(), *self.tab.training_status())]
        self.error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._refresh, daemon=True)

    def start_refreshing(self) -> None:
        self._thread.start()

    def _refresh(self) -> None:
        last: dict[str, float] = {}
        try:
            while not self._stop.wait(0.05):
                if self.tab.refresh_due(last):
                    self.timeline.append((time.monotonic(), *self.tab.training_status()))
        except Exception as exc:  # noqa: BLE001 - recorded for the caller
            self.error = f"{type(exc).__name__}: {exc}"

    def stop_refreshing(self) -> None:
        self._stop.set()
        self._thread.join(30)

    @property
    def status(self) -> tuple[str, int]:
        return self.timeline[-1][1:]

    def wait_until(self, condition, timeout: float = 60.0) -> tuple[str, int]:
        """Refresh until (status, step) satisfies condition (the refreshing thread must not run)."""
        deadline = time.monotonic() + timeout
        while not condition(*self.status):
            if time.monotonic() > deadline:
                raise TimeoutError(f"Train page still {self.status} after {timeout} s")
            time.sleep(0.2)
            self.tab.run()
            self.timeline.append((time.monotonic(), *self.tab.training_status()))
        return self.status


def most_training_at_once(trainees: list[Trainee]) -> int:
    """The largest number of Train pages reporting "training" at the same moment (each page's latest
    status at every moment any page refreshed)."""
    events = sorted((t, i, status) for i, tr in enumerate(trainees) for t, status, _ in tr.timeline)
    latest: dict[int, str] = {}
    most = 0
    for _, i, status in events:
        latest[i] = status
        most = max(most, sum(s == "training" for s in latest.values()))
    return most


def start_trainees(url: str, queries: list[str]) -> list[Trainee]:
    """Press Train in each session, in order (first come, first served), and wait until each trains or queues."""
    trainees = [Trainee(url, q) for q in queries]
    for trainee in trainees:
        trainee.wait_until(lambda status, step: (status == "training" and step > 0) or status == "queued", 120)
    return trainees


def run_drawers(url: str, net: Network, sessions: int, rounds: int, think: float) -> list[Drawer]:
    drawers = [Drawer(i) for i in range(sessions)]
    threads = [threading.Thread(target=draw_rounds, args=(url, d, net, rounds, think), daemon=True) for d in drawers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    return drawers


def p95_ms(seconds: list[float]) -> float:
    return float(np.percentile(seconds, 95)) * 1000


def predict_latency_under_load(sessions: int = 20, trainers: int = 3, repeats: int = 10, think: float = 1.0,
                               url: str | None = None) -> dict:
    """p95 ms of the Draw page's predict with `sessions` drawing and `trainers` training sessions, and the
    same for one session alone, measured in the same run on the same server.

    Unit of work: a session sends a new drawing (the canvas's widget value at stroke end) and waits
    for the rerun to finish: preprocessing, the forward pass, the digit pad's fragment rendered and sent.
    Alone: one session draws 2 × max(10, repeats) digits, ~0.2 s apart, on the idle server (after a
    warm-up draw).
    Under load: each of `sessions` sessions draws `repeats` digits, pausing ~think s (±50%) between
    them, while `trainers` sessions train on the Train page (default settings, until stopped; the
    server's cap applies, the rest queue) and refresh their live charts as a browser does.
    Serves its own app (saving runs in a throwaway folder) unless given a url.
    """
    m = _measured(sessions, trainers, repeats, think, url)
    loaded, alone = m["loaded"], m["alone"]
    return {"value": p95_ms(loaded), "detail": (
        f"p95 under load {p95_ms(loaded):.0f} ms (median {statistics.median(loaded) * 1000:.0f} ms, "
        f"{len(loaded)} predicts by {sessions} sessions; of {trainers} trainers {m['statuses'].count('training')} "
        f"training, {m['statuses'].count('queued')} queued); single-session p95 {p95_ms(alone):.0f} ms (median "
        f"{statistics.median(alone) * 1000:.0f} ms, {len(alone)} predicts)")}


def classroom(sessions: int = 30, trainers: int = 3, repeats: int = 10, think: float = 3.0,
              url: str | None = None) -> dict:
    """A class on one server: `sessions` students drawing about every `think` s (±50%) while `trainers`
    train (the cap trains 2, the third queues). Predict p95 ÷ one session's p95 alone, same run and
    server; the server's memory with every session open; each training worker's memory."""
    m = _measured(sessions, trainers, repeats, think, url)
    ratio = p95_ms(m["loaded"]) / p95_ms(m["alone"])
    workers = m["worker_rss_mb"]
    return {
        "predict_p95_ratio_classroom": {"value": ratio, "detail": (
            f"p95 {p95_ms(m['loaded']):.0f} ms with {sessions} drawing every ~{think:g} s and {trainers} training "
            f"({m['statuses'].count('training')} training, {m['statuses'].count('queued')} queued) vs "
            f"{p95_ms(m['alone']):.0f} ms alone; {len(m['loaded'])} predicts")},
        "rss_mb_classroom_server": {"value": m["server_rss_mb"], "detail": (
            f"server process with {sessions} + {trainers} sessions open; training workers "
            + (", ".join(f"{w:.0f}" for w in workers) + " MB each" if workers else "none seen"))},
    }


def _measured(sessions: int, trainers: int, repeats: int, think: float, url) -> dict:
    from nnviz import model

    if url is None:
        from tests.support import harness

        # Every ended run is saved (nnviz.run_store): the trainers' runs go to a throwaway folder.
        with tempfile.TemporaryDirectory(prefix="nnviz-load-runs-") as runs, \
                harness.served_app(env={**SERVER_ENV, "NNVIZ_RUNS_DIR": runs}) as served:
            return _measured(sessions, trainers, repeats, think, served)
    net = model.to_network(model.load_default_model())
    warm = Drawer(-1)
    draw_rounds(url, warm, net, 1, 0.0)  # the first predict loads TensorFlow and the model
    alone = Drawer(0)
    draw_rounds(url, alone, net, 2 * max(10, repeats), min(think, 0.2), start_round=1)
    trainees = start_trainees(url, ["epochs=0"] * trainers)
    for trainee in trainees:
        trainee.start_refreshing()
    try:
        drawers = run_drawers(url, net, sessions, repeats, think)
        pid = getattr(url, "pid", None)
        server_rss = _rss_mb(pid) if pid else float("nan")
        worker_rss = [_rss_mb(child) for child in _descendants(pid)] if pid else []
    finally:
        for trainee in trainees:
            trainee.stop_refreshing()
            trainee.tab.close()
    problems = [p for d in [alone, *drawers] for p in d.problems()] + [t.error for t in trainees if t.error]
    if problems:
        raise RuntimeError(f"{len(problems)} problems under load, first: {problems[0]}"[:2000])
    return dict(loaded=[s for d in drawers for s in d.latencies], alone=alone.latencies,
                statuses=[t.status[0] for t in trainees], server_rss_mb=server_rss,
                worker_rss_mb=sorted((w for w in worker_rss if w > 100), reverse=True))  # TF-loaded processes


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):  # the process ended meanwhile
        return 0.0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in os.listdir(f"/proc/{parent}/task"):
            try:
                with open(f"/proc/{parent}/task/{task}/children") as children:
                    kids = [int(c) for c in children.read().split()]
            except OSError:
                kids = []
            found += kids
            todo += kids
    return found
