"""Screenshots of the Runs & models page with "Get the code" turned on, for one saved run and the model in use.

Usage: python scripts/screens_code.py OUT_DIR [--widths 390,820,1280,1920]
A small run is trained and saved first, in a throwaway runs folder the served app uses.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.screens import shoot  # noqa: E402
from tests.support import harness  # noqa: E402

TOGGLES = ("Get this run as Keras code", "Get the model in use as Keras code")


def saved_run(folder: Path) -> None:
    """Train and save one small real run in `folder`."""
    from nnviz import data, training
    from nnviz.run_store import RunStore
    from nnviz.settings import Settings

    trainer = training.Trainer(data.load_sample(), Settings(width=64, train_size=1_000, epochs=2, seed=1),
                               training.Pool(1))
    try:
        trainer.wait_for(lambda s: s.status == "ready", 120)
        trainer.play()
        snap = trainer.wait_for(lambda s: s.ended, 300)
        RunStore(folder).save(trainer.records[0], snap.network, name="Width 64, 1,000 digits")
    finally:
        trainer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--widths", default="390,820,1280,1920")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    runs = Path(tempfile.mkdtemp(prefix="nnviz-screens-runs-"))
    os.environ["NNVIZ_RUNS_DIR"] = str(runs)  # the served app inherits it
    try:
        saved_run(runs)
        heights = {390: 844, 820: 1180, 1280: 720, 1920: 1080}
        with harness.launched_browser() as context, harness.served_app() as url:
            for width in map(int, args.widths.split(",")):
                page = context.new_page()
                page.set_viewport_size({"width": width, "height": heights.get(width, 900)})
                page.goto(f"{url}/runs")
                harness.wait_for_app(page)
                for label in TOGGLES:
                    page.get_by_text(label, exact=True).click()
                    harness.wait_for_app(page)
                name = args.out / f"runs-code-{width}.png"
                shoot(page, name, width, heights.get(width, 900))
                print(name, "exceptions:", harness.exceptions_on(page) or "none")
                page.close()
    finally:
        shutil.rmtree(runs, ignore_errors=True)


if __name__ == "__main__":
    main()
