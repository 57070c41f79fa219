"""The hidden-layer map in a real browser (issue 17): hovering a dot shows that very digit's picture, clicking it opens
the digit on Draw, and on Train the map's dots move while the network learns, without flipping."""

import numpy as np

from nnviz import data
from tests.support import harness

LAYER_MAP, PIXEL_MAP = "What hidden layer 1 (128 neurons) sees", "What the raw pixels show"

# The centre of a map's topmost dot (its first mark is the dots: the names and the star come after), so that the
# mouse lands on that dot and no other; null while none is in view.
TOP_DOT = """(title) => {
  const chart = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .find(c => c.textContent.includes(title));
  const dots = [...chart.querySelector('g.mark-symbol').querySelectorAll('path')];
  for (let i = dots.length - 1; i >= 0; i--) {
    const r = dots[i].getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;
    if (document.elementFromPoint(x, y) === dots[i])
      return {x, y, dots: dots.length, about: dots[i].getAttribute('aria-label')};
  }
  return null;
}"""

# The tooltip's picture once the browser has decoded it: its size, and its grey levels read back from a canvas.
TOOLTIP_PICTURE = """() => {
  const img = document.querySelector('#vg-tooltip-element.visible img');
  if (!img || !img.complete || !img.naturalWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
  return {width: canvas.width, height: canvas.height, shown: img.getBoundingClientRect().width,
          grey: Array.from({length: rgba.length / 4}, (_, i) => rgba[4 * i])};
}"""

# Every dot of the live map (the star left out) as drawn: its position on screen, in data order.
LIVE_DOTS = """() => {
  const chart = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .find(c => c.textContent.includes('sorts 2,000 test digits'));
  if (!chart || !chart.querySelector('g.mark-symbol')) return null;
  return [...chart.querySelector('g.mark-symbol').querySelectorAll('path')].map(p => {
    const r = p.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; });
}"""


def open_map(page) -> None:
    harness.goto_page(page, "Map")
    page.wait_for_function(harness.PICTURES_DRAWN, timeout=120_000)
    assert not harness.exceptions_on(page)


def hover_top_dot(page, title: str) -> tuple[dict, int, str]:
    """Hover a map's topmost dot; (where it is, the test digit # and the true digit its tooltip names)."""
    page.locator('[data-testid="stVegaLiteChart"]').filter(has_text=title).scroll_into_view_if_needed()
    dot = page.evaluate(TOP_DOT, title)
    assert dot is not None and dot["dots"] == 2000
    page.mouse.move(dot["x"], dot["y"])
    tooltip = page.locator("#vg-tooltip-element.visible")
    tooltip.filter(has_text="test digit #").wait_for(timeout=10_000)
    words = tooltip.inner_text().split()  # "true digit 5 test digit # 1999"
    return dot, int(words[words.index("#") + 1]), words[2]


def test_hovering_a_dot_shows_that_digits_picture_and_clicking_opens_it_on_draw(page):
    sample = data.load_sample()
    open_map(page)
    for title in (PIXEL_MAP, LAYER_MAP):
        dot, index, label = hover_top_dot(page, title)
        assert label == str(sample.y_test[index])
        assert dot["about"] == f"test digit #{index}, a {label}"  # what a screen reader says: no base64
        picture = page.wait_for_function(TOOLTIP_PICTURE, timeout=10_000).json_value()
        assert (picture["width"], picture["height"], picture["shown"]) == (28, 28, 84)  # 3× with hard edges
        grey = np.array(picture["grey"]).reshape(28, 28)
        assert np.array_equal(grey, sample.x_test[index]), title  # the digit itself, pixel for pixel
    page.mouse.click(dot["x"], dot["y"])  # the hidden layer's dot hovered last
    page.get_by_text(f"test digit #{index}").first.wait_for(timeout=60_000)
    harness.wait_for_app(page)
    assert "/map" not in page.url
    page.locator("canvas.upper-canvas").first.wait_for(timeout=60_000)  # the Draw page, showing the clicked digit
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Showing").first.inner_text()
    assert caption.startswith(f"Showing test digit #{index} (true label {sample.y_test[index]})")
    assert not harness.exceptions_on(page)


def test_on_train_the_map_moves_as_the_network_learns_and_never_flips(page, app_url):
    page.goto(app_url + "/train?epochs=0&train_size=8000")  # trains until stopped
    page.get_by_text("Ready: press").first.wait_for(timeout=180_000)  # a worker process starts: slow under load
    harness.wait_for_app(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_function(f"({LIVE_DOTS})()?.length === 2000", timeout=60_000)
    frames = [np.array(page.evaluate(LIVE_DOTS))]
    for _ in range(3):  # three new frames, each compared with the one before
        handle = page.wait_for_function(
            f"(before) => {{ const now = ({LIVE_DOTS})(); return now && now.length === 2000 && "
            "now.some((p, i) => Math.abs(p[0] - before[i][0]) + Math.abs(p[1] - before[i][1]) > 0.5) && now; }",
            arg=frames[-1].tolist(), timeout=30_000)
        frames.append(np.array(handle.json_value()))
    # No Stop: the page closes after the test, which ends its run (a Stop click waited out 30 s under load 22 while
    # the live fragments redrew the button)
    for before, after in zip(frames, frames[1:]):
        assert not np.allclose(before, after, atol=0.5)  # the clusters move…
        for axis in range(2):  # …and neither flip nor jump: each dot stays near where it was
            assert np.corrcoef(before[:, axis], after[:, axis])[0, 1] > 0.5
    assert not harness.exceptions_on(page)
