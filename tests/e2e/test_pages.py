"""Every page, with a drawn digit, shows its plots and no exception; screenshots go to artifacts/."""

import os
from pathlib import Path

from tests.support import harness

ARTIFACTS = Path(os.environ.get("NNVIZ_ARTIFACTS", harness.ROOT / "artifacts")) / "screenshots"


def test_every_page_renders_with_plots_and_no_exception(page):
    seen = harness.tour(page, ARTIFACTS, digit=3)
    assert seen["Draw"]["prediction"] == "3"
    assert len(seen) == len(harness.page_titles(page)) >= 1
    for title, view in seen.items():
        assert view["exceptions"] == [], (title, view["exceptions"])
        assert view["plots"] + view["images"] > 0, f"{title} shows no plot"
        assert (ARTIFACTS / f"{harness.slug(title)}.png").stat().st_size > 10_000
