"""Server memory per training session: many sessions open the Train page, train, and close, on one served app.

Each cycle is a real Streamlit session over its websocket (benchmarks.load): it opens the Train page,
presses Train, waits until its run has trained a step, and disconnects. The server's resident memory
is compared before and after the cycles, once every session's worker process and thread has ended.
Shared by tests/test_load.py (the bound, on a cheap cycle) and benchmarks/run.py
(rss_growth_mb_per_training_session).
"""

from __future__ import annotations

import os
import select
import tempfile
import time

from benchmarks import load

TINY_RUN = "width=16&train_size=300&batch_size=16&epochs=0&seed=16"  # Train-page URL settings: a quick run


def server_status(pid: int) -> tuple[int, float]:
    """(threads, resident MB) of a process."""
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) / 1024


def children(pid: int) -> set[int]:
    kids = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                kids |= {int(k) for k in listed.read().split()}
        except FileNotFoundError:  # a thread that just ended
            continue
    return kids


def workers(pid: int) -> set[int]:
    """The server's training workers: forked by its forkserver, so they are its grandchildren (its
    children are the long-lived forkserver and resource tracker)."""
    found = set()
    for helper in children(pid):
        try:
            found |= children(helper)
        except FileNotFoundError:
            continue
    return found


def wait_gone(pids, timeout: float = 60.0) -> list[int]:
    """Wait for each process to end (a pidfd becomes readable when it does); those still running."""
    deadline, left = time.monotonic() + timeout, []
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            if not select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                left.append(pid)
        finally:
            os.close(fd)
    return left


def threads_settle(pid: int, at_most: int, timeout: float = 30.0) -> int:
    """The server's thread count once it is at most `at_most` (or when the timeout passes): ending a
    session's trainer is asynchronous (the disconnect releases its lease, which closes it)."""
    deadline = time.monotonic() + timeout
    while server_status(pid)[0] > at_most and time.monotonic() < deadline:
        time.sleep(0.1)
    return server_status(pid)[0]


def private_mb(pid: int) -> tuple[float, float]:
    """(resident, private) MB of a process: private excludes pages shared with the forkserver."""
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        fields = {line.split(":")[0]: line.split()[1] for line in rollup if ":" in line}
    private = int(fields["Private_Clean"]) + int(fields["Private_Dirty"])
    return int(fields["Rss"]) / 1024, private / 1024


def cycle(url: str, query: str = TINY_RUN, trained: bool = True) -> dict:
    """One session: Train page, Train, disconnect; with trained, only once the run has trained a step
    (else as soon as the page says it trains). Returns what it saw while training."""
    if trained:
        [trainee] = load.start_trainees(url, [query])
    else:
        trainee = load.Trainee(url, query)
    status, step = trainee.status
    live = workers(url.pid)
    worker_mb = [private_mb(p) for p in live]
    trainee.tab.close()
    return {"status": status, "step": step, "threads": server_status(url.pid)[0], "workers": live,
            "worker_mb": worker_mb}


def cycles(url, count: int, warm_up: int = 2, trained: bool = True) -> dict:
    """Run warm_up cycles, then `count` measured ones; each cycle's worker and thread must end before
    the next starts (with a cap of one run, a trainer outliving its session would keep the next queued)."""
    pid = url.pid
    for _ in range(warm_up):  # Streamlit's pages and the forkserver start on first use
        seen = cycle(url)
        wait_gone(seen["workers"])
        threads_settle(pid, seen["threads"] - 1)
    helpers = children(pid)
    threads, rss = server_status(pid)
    seen_all, start = [], time.monotonic()
    for _ in range(count):
        seen = cycle(url, trained=trained)
        seen["left"] = wait_gone(seen["workers"])
        seen["threads_after"] = threads_settle(pid, threads)
        seen_all.append(seen)
    seconds = time.monotonic() - start
    threads_after, rss_after = server_status(pid)
    return {"rss_before": rss, "rss_after": rss_after, "threads_before": threads, "threads_after": threads_after,
            "helpers": helpers, "helpers_after": children(pid), "workers_after": workers(pid),
            "helper_mb": [private_mb(p) for p in helpers],
            "cycles": seen_all, "seconds": seconds}


def rss_growth_mb_per_training_session(count: int = 60) -> dict:
    """Server RSS growth per open/train/close session, over `count` sessions on a fresh served app."""
    from tests.support import harness

    with tempfile.TemporaryDirectory(prefix="nnviz-memory-runs-") as runs, \
            harness.served_app(env={**load.SERVER_ENV, "NNVIZ_RUNS_DIR": runs, "NNVIZ_MAX_TRAINERS": "1"}) as url:
        result = cycles(url, count)
    growth = (result["rss_after"] - result["rss_before"]) / count
    workers = [mb for c in result["cycles"] for mb in c["worker_mb"]]
    left = sum(len(c["left"]) for c in result["cycles"])
    rss_w = sorted(w[0] for w in workers)
    private_w = sorted(w[1] for w in workers)
    return {"value": growth, "detail": (
        f"{result['rss_before']:.0f} → {result['rss_after']:.0f} MB over {count} sessions in "
        f"{result['seconds']:.0f} s; threads {result['threads_before']} → {result['threads_after']}, "
        f"{left} worker processes left behind; per training worker "
        f"{rss_w[len(rss_w) // 2]:.0f} MB resident, {private_w[len(private_w) // 2]:.0f} MB private (medians); "
        f"forkserver and resource tracker {', '.join(f'{r:.0f}' for r, _ in result['helper_mb'])} MB resident"
        if workers else "no worker seen")}
