"""Screenshots of the Layers and Weights pages with a deep model: trained for a few seconds on the Train page.

Usage: python scripts/screens_deep.py OUT_DIR [--widths 390,820,1280,1920] [--layers 128,64,32] [--seconds 8]
Per screen width: open the Train page with the link's hidden widths, train, stop, draw a 3, then shoot Layers
and Weights (and Weights with its picker on the last layer).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.screens import shoot  # noqa: E402
from tests.support import harness, strokes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--widths", default="390,820,1280,1920")
    parser.add_argument("--layers", default="128,64,32")
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    heights = {390: 844, 820: 1180, 1280: 720, 1920: 1080}
    depth = len(args.layers.split(","))
    with harness.launched_browser() as context, harness.served_app() as url:
        for width in (int(w) for w in args.widths.split(",")):
            # A page of its own per width, laid out at that width from the start: plotly figures with square
            # pixels shrank with every resize of one window, which no user sees.
            page = context.new_page()
            height = heights.get(width, 900)
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{url}/train?widths={args.layers}&epochs=0&train_size=8000")
            harness.wait_for_app(page)
            page.get_by_role("button", name="Train", exact=True).click()
            page.locator('[data-testid="stAlert"]').filter(has_text="Training…").first.wait_for(timeout=180_000)
            page.wait_for_timeout(args.seconds * 1000)
            page.get_by_role("button", name="Stop", exact=True).click()
            page.wait_for_timeout(3000)  # the run ends and is tested (a script, not a test: a pause will do)
            harness.wait_for_app(page)
            navigate(page, "Draw")
            use = page.get_by_role("button", name="Use your Run 1")
            if use.count():  # the run is not the active model yet: make it so
                use.first.click()
                harness.wait_for_app(page)
            page.locator("canvas.upper-canvas").first.wait_for(timeout=90_000)
            harness.draw(page, strokes.strokes(3, "neat"))
            harness.wait_for_app(page)
            for title in ("Layers", "Weights"):
                navigate(page, title)
                shot(page, args.out / f"{title.lower()}-deep-{width}.png", width, height)
            label = page.locator('[data-testid="stWidgetLabel"]').get_by_text("Layer", exact=True)
            picker = page.locator('[data-testid="stSelectbox"]').filter(has=label).first
            picker.scroll_into_view_if_needed()
            picker.click()
            page.keyboard.type(f"Layer {depth}:")  # the picker filters its options as one types
            page.keyboard.press("Enter")
            page.get_by_text("responds to in pixel space").first.wait_for(timeout=120_000)  # the rerun has drawn
            harness.wait_for_app(page)
            shot(page, args.out / f"weights-deep-last-{width}.png", width, height)
            page.close()


def navigate(page, title: str) -> None:
    """The top links, or on a narrow screen (where they fold away) the sidebar's."""
    top = page.locator('[data-testid="stTopNavLink"]').filter(has=page.get_by_text(title, exact=True))
    if top.count() and top.first.is_visible():
        harness.goto_page(page, title)
        return
    link = page.locator('[data-testid="stSidebarNavLink"]').filter(has=page.get_by_text(title, exact=True)).first
    expand = page.locator('[data-testid="stExpandSidebarButton"]').first
    if expand.count() and expand.is_visible():  # the folded sidebar's links sit outside the screen
        expand.click()
    link.click()
    harness.wait_for_app(page)
    if page.locator('[data-testid="stSidebarCollapseButton"]').first.is_visible():  # out of the screenshot's way
        page.locator('[data-testid="stSidebarCollapseButton"]').first.click()
        harness.wait_for_app(page)


def shot(page, path: Path, width: int, height: int) -> None:
    shoot(page, path, width, height)
    print(path, "exceptions:", harness.exceptions_on(page) or "none")


if __name__ == "__main__":
    main()
