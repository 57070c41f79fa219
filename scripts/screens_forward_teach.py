"""Screenshots of the Forward pass and Teach pages at any depth, with a deeper model uploaded as the active one.

Usage: python scripts/screens_forward_teach.py OUT_DIR [--widths 390,820,1280,1920] [--depths 1,3,4]
Depth 1 is the pretrained default; depth 3 a 128-64-32 ReLU network and depth 4 a 128-64-32-16 sigmoid one,
both trained for one epoch on the bundled sample here, saved as .keras and uploaded on the Runs page as a
user would. A 3 is drawn; the Forward pass shows a neuron of the second hidden layer (the first at depth 1),
then its Hidden layer step;
Teach labels the digit 3 and takes one nudge, so the gradient pictures show.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.screens import shoot  # noqa: E402
from tests.support import harness, strokes  # noqa: E402
from tests.support.model_upload import upload  # noqa: E402

MODELS = {3: ((128, 64, 32), "relu"), 4: ((128, 64, 32, 16), "sigmoid")}
HEIGHTS = {390: 844, 820: 1180, 1280: 720, 1920: 1080}


def trained_file(depth: int, folder: Path) -> Path:
    """A model of this depth, one epoch on the sample, as a .keras file."""
    from nnviz import data, model

    widths, activation = MODELS[depth]
    m = model.build_model(widths, activation=activation, seed=0)
    sample = data.load_sample()
    m.fit(data.as_float(sample.x_train), sample.y_train, epochs=1, batch_size=32, verbose=0)
    path = folder / f"depth{depth}.keras"
    m.save(path)
    return path


def pick_layer(page, name: str) -> None:
    page.get_by_text("Follow your digit").wait_for(timeout=30_000)
    for _ in range(3):  # a click while the page still reruns can land on the old selectbox: open it again
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Layer").click()
        option = page.get_by_role("option", name=name)
        try:
            option.wait_for(timeout=10_000)
        except Exception:  # noqa: BLE001 - Playwright's timeout: try again
            page.keyboard.press("Escape")
            harness.wait_for_app(page)
            continue
        option.click()
        harness.wait_for_app(page)
        return
    raise RuntimeError(f"No layer {name!r} to pick: is the deeper model active? {harness.header_text(page)}")


def teach_once(page, label: str = "3") -> None:
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text=label).first.click()
    harness.wait_for_app(page)
    page.get_by_role("button", name="Teach one step").click()
    page.locator('[data-testid="stMetric"]').filter(has_text="Steps taught").filter(has_text="1").wait_for(
        timeout=30_000)
    page.mouse.move(0, 0)  # no button's tooltip over the picture
    harness.wait_for_app(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--widths", default="390,820,1280,1920")
    parser.add_argument("--depths", default="1,3,4")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    depths = [int(d) for d in args.depths.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="nnviz-deep-"))
    files = {depth: trained_file(depth, folder) for depth in depths if depth in MODELS}
    widths = [int(w) for w in args.widths.split(",")]
    with harness.launched_browser() as context, harness.served_app() as url:
        for depth in depths:
            for width in widths:
                # A session per width, laid out at that width from the start: a chart drawn at one width and
                # then resized is not what a visitor sees.
                page = context.new_page()
                height = HEIGHTS.get(width, 900)
                page.set_viewport_size({"width": width, "height": height})
                page.goto(url)
                page.locator("canvas.upper-canvas").first.wait_for(timeout=90_000)
                harness.wait_for_app(page)
                harness.draw(page, strokes.strokes(3, "neat"))
                harness.wait_for_app(page)
                if depth in files:
                    upload(page, files[depth], navigate)
                navigate(page, "Forward pass")
                if depth > 1:
                    pick_layer(page, "hidden layer 2 (64 neurons)")
                shoot(page, args.out / f"walkthrough-d{depth}-{width}.png", width, height)
                page.locator('[data-testid="stButtonGroup"] button').filter(has_text="Hidden layer").click()
                harness.wait_for_app(page)
                shoot(page, args.out / f"walkthrough-layers-d{depth}-{width}.png", width, height)
                navigate(page, "Teach")
                teach_once(page)
                shoot(page, args.out / f"teach-d{depth}-{width}.png", width, height)
                print(depth, width, "exceptions:", harness.exceptions_on(page) or "none", flush=True)
                page.close()


def navigate(page, title: str) -> None:
    """Through the links at the top, or on a phone through the side menu they fold into."""
    named = page.get_by_text(title, exact=True)
    top = page.locator('[data-testid="stTopNavLink"]').filter(has=named)
    side = page.locator('[data-testid="stSidebarNavLink"]').filter(has=named)
    menu = page.locator('[data-testid="stExpandSidebarButton"]')
    top.or_(side).or_(menu).first.wait_for(timeout=30_000)
    if top.count() and top.first.is_visible():
        return harness.goto_page(page, title)
    if menu.is_visible():  # the menu is folded away (its links are still "visible", off-screen)
        menu.click()
    side.click()
    harness.wait_for_app(page)
    if page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed") == "false":
        page.locator('[data-testid="stSidebarCollapseButton"] button').click()  # else it covers the page
        harness.wait_for_app(page)


if __name__ == "__main__":
    main()
