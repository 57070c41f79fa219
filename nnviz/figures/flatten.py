"""Flatten figures: the 28×28 digit, its 784-long input vector with row bands, and the rows sliding into a line."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from nnviz import anatomy, network
from nnviz.figures import common, panels

SIDE = anatomy.SIDE
HIGHLIGHT = common.PALETTE["focus"]  # the picked row and pixel (white: the one thing to look at)
HALO = "#000000"  # a black rim under the pixel's outline, so that it shows on white ink too
PIXEL_HOVER = "row %{customdata[0]}, col %{customdata[1]}<br>input index %{x}<br>value %{z:.3f}<extra></extra>"


def _row_col(n: int = anatomy.PIXELS) -> np.ndarray:
    """(1, n, 2) customdata: the (row, col) each input index came from."""
    rows, cols = anatomy.pixel_of(np.arange(n))
    return np.stack([rows, cols], axis=-1)[None].astype(np.int16)


def square(image: np.ndarray, row: int, col: int, height: int = 380) -> go.Figure:
    """The digit as a 28×28 heatmap with the picked row outlined and the picked pixel boxed."""
    fig = common.digit_heatmap(image, f"28×28 image: row {row}, col {col}", height)
    return fig.update_layout(shapes=[
        dict(type="rect", x0=-0.5, x1=SIDE - 0.5, y0=row - 0.5, y1=row + 0.5,
             line=dict(color=HIGHLIGHT, width=2, dash="dot")),
        *_picked(col - 0.5, col + 0.5, row - 0.5, row + 0.5),
    ], xaxis_visible=False, yaxis_visible=False)


def _picked(x0: float, x1: float, y0: float, y1: float) -> list[dict]:
    """The picked pixel's outline: white on a black rim, visible on ink and on background alike."""
    box = dict(type="rect", x0=x0, x1=x1, y0=y0, y1=y1)
    return [dict(box, line=dict(color=HALO, width=6)), dict(box, line=dict(color=HIGHLIGHT, width=3))]


def strip(image: np.ndarray, row: int, col: int, height: int = 230) -> go.Figure:
    """The 784 inputs as one long strip: row 0's 28 pixels, then row 1's, …; the bands are marked."""
    x = network.flatten(image)
    start, stop = anatomy.row_band(row)
    index = int(anatomy.flat_index(row, col))
    # Alternating band ticks under the strip, so each row's 28 values read as a unit.
    shapes = [dict(type="rect", x0=r * SIDE - 0.5, x1=(r + 1) * SIDE - 0.5, y0=-0.85, y1=-0.6, line_width=0,
                   fillcolor=common.PALETTE["neutral"] if r % 2 == 0 else "#4a5060") for r in range(SIDE)]
    shapes += [dict(type="rect", x0=start - 0.5, x1=stop - 0.5, y0=-0.9, y1=0.5,
                    line=dict(color=HIGHLIGHT, width=2, dash="dot")),
               *_picked(index - 0.5, index + 0.5, -0.5, 0.5)]
    layout = dict(
        shapes=shapes,
        annotations=[dict(x=(start + stop) / 2, y=0.5, yanchor="bottom", showarrow=False, font=dict(color=HIGHLIGHT),
                          text=f"row {row} = indices {start}…{stop - 1}")],
        xaxis=dict(tickvals=[r * SIDE for r in range(0, SIDE, 2)], range=[-0.5, anatomy.PIXELS - 0.5],
                   title="input index i = 28·row + col (bands: rows 0, 1, …, 27)", showgrid=False, zeroline=False),
        yaxis=dict(visible=False, range=[-0.95, 1.1]))
    fig = go.Figure(go.Heatmap(z=x[None], x=np.arange(anatomy.PIXELS), customdata=_row_col(), colorscale=common.INK,
                               zmin=0, zmax=1, showscale=False, hovertemplate=PIXEL_HOVER), layout)
    # At most about 40 characters: a longer title was cut off on a 390 px phone.
    return common.style(fig, height, title="The network's input: 784 numbers in a line")


def _short(v: float) -> str:
    """0.93 → ".93", 1.0 → "1", 0 → "0": fits in a 28th of the page width."""
    return "0" if v == 0 else "1" if v >= 0.995 else f"{v:.2f}".lstrip("0")


def _as_wide(text: str) -> str:
    """"0" and "1" as wide as ".93" (a punctuation space before, a figure space after; both invisible), so that
    when the cells are too narrow for ".93" they are too narrow for "0" too: all numbers show or none do,
    never only the zeros beside blank ink (seen at 390 px)."""
    return text if len(text) == 3 else f"\u2008{text}\u2007"


NUMBER_PX = 9  # the smallest type a row's numbers are drawn in; narrower cells (a phone's) show none


def row_zoom(image: np.ndarray, row: int, col: int, height: int = 170) -> go.Figure:
    """One row's 28 values, large and labelled with their input indices.

    The numbers sit in invisible full-height bars over the cells, not in the heatmap: plotly fits a bar's
    text to the bar's width and, with uniformtext "hide", leaves out text that would be smaller than
    NUMBER_PX. On a 390 px phone a cell is ~12 px wide and the heatmap's own numbers (".93" is ~17 px)
    ran into each other; there the cells show no numbers and hovering still gives each exact value."""
    start, stop = anatomy.row_band(row)
    x = network.flatten(image)[start:stop]
    indices = [str(i) for i in range(start, stop)]
    fig = go.Figure([
        go.Heatmap(z=x[None], x=indices, colorscale=common.INK, zmin=0, zmax=1, showscale=False,
                   customdata=np.arange(SIDE)[None],
                   hovertemplate=f"row {row}, col %{{customdata}}<br>input index %{{x}}<br>value %{{z:.3f}}"
                                 "<extra></extra>"),
        go.Bar(x=indices, y=np.ones(SIDE), base=-0.5, width=1, marker=dict(color="rgba(0,0,0,0)", line_width=0),
               text=[_as_wide(_short(v)) for v in x], textposition="inside", insidetextanchor="middle", textangle=0,
               # dark ink under light numbers and light ink under dark ones, as the heatmap's own text was
               insidetextfont=dict(size=11, color=["#000000" if v > 0.5 else "#ffffff" for v in x]),
               hoverinfo="skip", showlegend=False)],
        dict(shapes=[dict(shape, xref="x") for shape in _picked(col - 0.5, col + 0.5, -0.5, 0.5)],
             xaxis=dict(type="category", tickangle=-90, tickfont=dict(size=11)),
             yaxis=dict(visible=False, range=[-0.5, 0.5]), bargap=0,
             uniformtext=dict(minsize=NUMBER_PX, mode="hide")))
    return common.style(fig, height, title=f"Row {row} zoomed in: inputs {start} to {stop - 1}")


def animation(image: np.ndarray, height: int = 640) -> go.Figure:
    """Rows leave the square one at a time and join the end of the line (plotly frames, play button)."""
    image = np.asarray(image, np.float32)
    line = network.flatten(image)

    def state(k: int):  # after k rows have moved: rows < k are gone from the square, on the line
        sq = image.copy()
        sq[:k] = np.nan
        ln = np.full(anatomy.PIXELS, np.nan, np.float32)
        ln[:k * SIDE] = line[:k * SIDE]
        return sq, ln[None]

    layout = panels.layout([(0, 1, 0.3, 1), (0, 1, 0.05, 0.17)], images=(0,))
    # Fixed ranges: without them plotly would zoom onto the rows still left in the square.
    layout["xaxis"].update(range=[-0.5, SIDE - 0.5])
    layout["yaxis"].update(autorange=False, range=[SIDE - 0.5, -0.5])
    layout["xaxis2"].update(range=[-0.5, anatomy.PIXELS - 0.5], tickvals=[r * SIDE for r in range(0, SIDE, 2)],
                            showgrid=False, zeroline=False)
    layout["yaxis2"].update(visible=False)
    layout["shapes"] = [dict(type="rect", xref="x", yref="y", x0=-0.5, x1=SIDE - 0.5, y0=-0.5, y1=SIDE - 0.5,
                             line=dict(color="#4a5060", dash="dot"))]  # the square's outline stays as rows leave
    play = dict(label="▶ Play", method="animate",
                args=[None, dict(frame=dict(duration=260, redraw=True), transition=dict(duration=0),
                                 fromcurrent=True, mode="immediate")])
    layout["updatemenus"] = [dict(type="buttons", buttons=[play], x=0, y=0, xanchor="left", yanchor="top",
                                  pad=dict(t=36), showactive=False)]
    layout["sliders"] = [dict(active=0, x=0.1, len=0.9, y=0, yanchor="top", pad=dict(t=20),
                              currentvalue=dict(prefix="rows moved: ", font=dict(size=13)),
                              steps=[dict(label=str(k), method="animate",
                                          args=[[str(k)], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
                                     for k in range(SIDE + 1)])]
    sq, ln = state(0)
    shared = dict(colorscale=common.INK, zmin=0, zmax=1, showscale=False, hoverongaps=False)
    traces = [go.Heatmap(z=sq, hovertemplate="row %{y}, col %{x}<br>value %{z:.3f}<extra></extra>", **shared),
              go.Heatmap(z=ln, customdata=_row_col(), hovertemplate=PIXEL_HOVER, xaxis="x2", yaxis="y2", **shared)]
    frames = []
    for k in range(SIDE + 1):
        sq, ln = state(k)
        label = "start" if k == 0 else f"row {k - 1} → inputs {(k - 1) * SIDE}…{k * SIDE - 1}"
        frames.append(dict(name=str(k), data=[dict(type="heatmap", z=sq), dict(type="heatmap", z=ln)], traces=[0, 1],
                           layout=dict(title_text=label)))
    fig = go.Figure(traces, layout, frames)
    common.style(fig, height, title="Press Play: the rows slide, one after another, into a single line")
    return fig.update_layout(margin_b=110)  # room for the play button and the slider
