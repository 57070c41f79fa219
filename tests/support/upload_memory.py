"""Memory and time of one upload at the pixel cap (and three at once), each measured in a fresh process.

Peak memory is the child process's own peak resident set (VmHWM in /proc/self/status): it counts
every allocation, Pillow's C buffers as much as numpy's, which tracemalloc would miss (Pillow's
decoded images are plain malloc, invisible to it). The child imports everything and preprocesses a
small upload first, so the baseline includes the libraries; then the peak is reset (clear_refs)
and the upload alone is measured: extra peak = VmHWM after − VmRSS before.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
CAP_SIDE = 5_000          # 5000 × 5000 = exactly nnviz's 25-megapixel cap
PHOTO_SIDE = 3_400        # a phone-photo-sized JPEG that still fits under the 5 MB file limit


def _digit_on_paper(side: int, mode: str = "RGB") -> Image.Image:
    """A thick dark 3 on white paper, drawn directly at full size (no big intermediate arrays)."""
    from tests.support import strokes

    image = Image.new(mode, (side, side), "white")
    draw = ImageDraw.Draw(image)
    for path in strokes.SHAPES[3]:
        draw.line([(x * side, y * side) for x, y in path], fill="black", width=side // 16, joint="curve")
    return image


def cap_png() -> bytes:
    """A 5000×5000 RGB PNG of a digit: small on disk, 25 megapixels once decoded."""
    buffer = io.BytesIO()
    _digit_on_paper(CAP_SIDE).save(buffer, format="PNG")
    return buffer.getvalue()


def photo_jpeg() -> bytes:
    """A 3400×3400 noisy 'photo' of a digit, about 4.7 MB: a valid upload just under the 5 MB limit."""
    image = _digit_on_paper(PHOTO_SIDE)
    noise = np.random.default_rng(0).integers(0, 40, (PHOTO_SIDE, PHOTO_SIDE), np.uint8)
    grain = Image.fromarray(noise, "L").convert("RGB")
    image = Image.fromarray(np.asarray(image) - np.minimum(np.asarray(grain), np.asarray(image)))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=93)
    return buffer.getvalue()


def _status(field: str) -> float:
    """A memory field of /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _cpu_seconds() -> float:
    """This process's CPU time (all threads, user + system): unlike wall time, not inflated by other load."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(paths: list[str]) -> None:
    """In the measuring process: preprocess the files at once (one thread each); print the figures."""
    from nnviz import preprocess
    from tests.support import strokes

    small = io.BytesIO()
    Image.fromarray(strokes.rasterise(strokes.strokes(3, "neat"))).save(small, format="PNG")
    preprocess.from_upload(small.getvalue())  # warm-up: imports, Pillow plugins, numpy's first allocations
    payloads = [Path(p).read_bytes() for p in paths]
    results: list = [None] * len(payloads)

    def one(i: int) -> None:
        results[i] = preprocess.from_upload(payloads[i])

    before = _status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:  # not allowed here: the peak then includes the warm-up, an over-estimate, never an under-
        pass
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    peak = _status("VmHWM")
    steps = max(max(image.shape) for r in results for _, image in r.steps)
    print(json.dumps({"extra_mb": peak - before, "seconds": seconds, "cpu_seconds": cpu, "baseline_mb": before,
                      "ok": [r.ok for r in results], "largest_step_px": steps}))


def measure(payloads: list[bytes]) -> dict:
    """Preprocess these uploads at once in a fresh process: {extra_mb, seconds, cpu_seconds, ok, largest_step_px}."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, payload in enumerate(payloads):
            path = Path(folder) / f"upload{i}"
            path.write_bytes(payload)
            paths.append(str(path))
        out = subprocess.run([sys.executable, "-m", "tests.support.upload_memory", *paths], cwd=ROOT,
                             capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def upload_peak_mb_at_cap(quick: bool = False) -> dict:
    """Extra peak MB of one 5000×5000 PNG upload; the detail adds its time, a 3400×3400 JPEG and 3 at once."""
    png = cap_png()
    one = measure([png])
    detail = (f"{one['seconds']:.2f} s ({one['cpu_seconds']:.2f} s CPU) for a {len(png) // 1024} KB "
              f"{CAP_SIDE}×{CAP_SIDE} PNG")
    if not quick:
        jpeg = photo_jpeg()
        photo = measure([jpeg])
        three = measure([png] * 3)
        detail += (f"; {len(jpeg) / 1e6:.1f} MB {PHOTO_SIDE}×{PHOTO_SIDE} JPEG {photo['extra_mb']:.0f} MB "
                   f"in {photo['seconds']:.2f} s; 3 PNGs at once {three['extra_mb']:.0f} MB "
                   f"in {three['seconds']:.2f} s")
    return {"value": one["extra_mb"], "detail": detail}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _child(sys.argv[1:])
