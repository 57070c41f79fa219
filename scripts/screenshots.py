"""Take the README's screenshots with the same code the browser tests use (tests/support/harness.tour).

Usage: python scripts/screenshots.py [OUT_DIR]   (default docs/screenshots)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import harness  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    with harness.launched_browser() as context, harness.served_app() as url:
        page = context.new_page()
        page.goto(url)
        page.locator("canvas.upper-canvas").first.wait_for(timeout=90_000)
        harness.wait_for_app(page)
        seen = harness.tour(page, out, digit=3)
    for title, view in seen.items():
        print(f"{title}: {view.get('plots', 0)} plots, exceptions: {view.get('exceptions') or 'none'}")
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
