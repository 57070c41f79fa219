"""Screenshots of pages at the widths a class uses (phone, tablet, laptop, projector), to look at.

Usage: python scripts/screens.py OUT_DIR [PAGE ...] [--widths 390,820,1280,1920] [--presenter]
PAGE is a URL path such as "" (Draw), "train" or "runs". A digit (a 3) is drawn first, so pages show one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import harness, strokes  # noqa: E402


def shoot(page, path: Path, width: int, height: int) -> None:
    """The whole page: Streamlit scrolls inside its own container, so the viewport grows to fit it."""
    # Every page shows a chart or picture, and plotly shows a chart once it has laid it out: waiting for
    # both also waits out a page whose script has not yet sent anything (seen under load as a blank shot).
    drawn = harness.PICTURES_DRAWN
    page.wait_for_function(drawn, timeout=60_000)
    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight || 0")
    page.set_viewport_size({"width": width, "height": max(height, int(tall))})
    harness.wait_for_app(page)
    page.wait_for_function(drawn, timeout=60_000)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": height})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("pages", nargs="*", default=[""])
    parser.add_argument("--widths", default="390,820,1280,1920")
    parser.add_argument("--presenter", action="store_true", help="also each page in presenter mode at 1920 px")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    heights = {390: 844, 820: 1180, 1280: 720, 1920: 1080}
    shots = [(int(w), False) for w in args.widths.split(",")] + ([(1920, True)] if args.presenter else [])
    with harness.launched_browser() as context, harness.served_app() as url:
        for width, presenter in shots:
            page = context.new_page()
            page.set_viewport_size({"width": width, "height": heights.get(width, 900)})
            query = "?presenter=1" if presenter else ""
            page.goto(f"{url}/{query}")
            page.locator("canvas.upper-canvas").first.wait_for(timeout=90_000)
            harness.wait_for_app(page)
            harness.draw(page, strokes.strokes(3, "neat"))
            harness.wait_for_app(page)
            for path in args.pages:
                if path:
                    page.goto(f"{url}/{path}{query}")
                    harness.wait_for_app(page)
                name = f"{path or 'draw'}-{width}{'-presenter' if presenter else ''}.png"
                shoot(page, args.out / name, width, heights.get(width, 900))
                print(args.out / name, "exceptions:", harness.exceptions_on(page) or "none")
            page.close()


if __name__ == "__main__":
    main()
