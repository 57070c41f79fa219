"""The Train page's live refresh cost: server CPU per rerun of each live fragment, while a run trains.

Measured on a served app through Streamlit's own protocol (benchmarks/load.Session): a session presses
Train, then reruns one live fragment at a time, at the fragment's own interval as the browser's timer
does (paced), or back to back (a refresh then often finds no new snapshot). The server
process's own CPU time (training runs in a worker process, whose time is not counted) over those reruns,
minus what the server spends meanwhile without any rerun (receiving snapshots), divided by the reruns; and
the bytes the server sent per rerun (a benchmark session keeps no message cache, so every element's bytes
count, as for a browser whose cache expired).
"""

from __future__ import annotations

import os
import tempfile
import time

from benchmarks.load import SERVER_ENV, Session

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """A process's own user + system CPU time (its children's not included)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _count_bytes(tab: Session) -> list[int]:
    """Count what the session receives from now on: [bytes so far]."""
    received, recv = [0], tab.ws.recv

    def counting(*args, **kwargs):
        message = recv(*args, **kwargs)
        received[0] += len(message)
        return message

    tab.ws.recv = counting
    return received


def _live_fragments(tab: Session) -> dict[str, float]:
    """The page's polling fragments (id → interval), once training has made them poll."""
    deadline = time.monotonic() + 120
    while not tab.fragments:
        if time.monotonic() > deadline:
            raise TimeoutError("the Train page never started polling")
        time.sleep(0.3)
        tab.run()
    return dict(tab.fragments)


def refresh_cpu_ms(seconds: float = 20.0, query: str = "epochs=0&train_size=8000", paced: bool = True,
                   url=None) -> dict:
    """Server CPU ms per live-fragment rerun on the Train page while its run trains, per fragment."""
    if url is None:
        from tests.support import harness

        with tempfile.TemporaryDirectory(prefix="nnviz-refresh-runs-") as runs, \
                harness.served_app(env={**SERVER_ENV, "NNVIZ_RUNS_DIR": runs}) as served:
            return refresh_cpu_ms(seconds, query, paced, served)
    tab = Session(url, "train", query)
    try:
        tab.run()
        tab.click("Train")
        fragments = _live_fragments(tab)
        for fragment in fragments:  # warm: first runs import and cache
            tab.run(fragment=fragment)
        before = _cpu_seconds(url.pid)
        time.sleep(seconds)
        background = (_cpu_seconds(url.pid) - before) / seconds  # CPU s per s with no rerun
        received, result = _count_bytes(tab), {}
        for i, (fragment, interval) in enumerate(sorted(fragments.items(), key=lambda f: f[1])):
            runs, start, cpu0, bytes0 = 0, time.monotonic(), _cpu_seconds(url.pid), received[0]
            while time.monotonic() - start < seconds:
                tab.run(fragment=fragment)
                runs += 1
                if paced:
                    time.sleep(max(0.0, start + runs * interval - time.monotonic()))
            elapsed, cpu = time.monotonic() - start, _cpu_seconds(url.pid) - cpu0
            name = f"train_refresh_cpu_ms_{i}{'' if paced else '_back_to_back'}"
            result[name] = {"value": max(0.0, cpu - background * elapsed) / runs * 1000,
                            "kb": (received[0] - bytes0) / runs / 1000,
                            "detail": f"fragment polling every {interval:g} s; {runs} reruns in {elapsed:.1f} s; "
                                      f"{(received[0] - bytes0) / runs / 1000:.0f} kB per rerun; "
                                      f"background {background * 1000:.0f} ms/s"}
        return result
    finally:
        tab.close()


if __name__ == "__main__":
    import sys

    for name, figure in refresh_cpu_ms(paced="--back-to-back" not in sys.argv).items():
        print(f"{name}: {figure['value']:.1f} ms ({figure['detail']})")
