"""The Teach page's glue: its buttons' callbacks, the lesson a rerun shows, and what the last nudge changed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from nnviz import teach, walkthrough
from nnviz.app import model_choice, session
from nnviz.app.charts import CHART
from nnviz.app.digit_choice import CurrentDigit
from nnviz.app.messages import show
from nnviz.figures import teach as figures
from nnviz.network import Network

TILES = 6   # first-layer neurons in the weight-change picture: 6 keep their labels apart on a phone
BLOCK = 40  # at most this many neurons a side in the picture of a kernel between hidden layers


def nudge() -> None:
    optimizer = session.optimizer()
    session.set_lesson(teach.teach(session.lesson(), optimizer, session.learning_rate(optimizer)))


def undo() -> None:
    session.set_lesson(teach.undo(session.lesson()))


def keep() -> None:
    lesson = session.lesson()
    model_choice.set_active_network("taught on your digit", lesson.current)
    session.set_kept(lesson.nudges)
    session.set_lesson(teach.start(lesson.current, lesson.image, lesson.label))  # go on from the kept model


def notice_new_digit(digit: CurrentDigit) -> None:
    """A new digit starts a new lesson, labelled if its label is known (before the label control is drawn)."""
    seen = (digit.source, teach.fingerprint(digit.image))
    if session.teach_digit() != seen:
        session.set_teach_digit(seen, digit.label)
        session.set_lesson(None)


def lesson_for(digit: CurrentDigit, net: Network, model_name: str, label: int) -> teach.Lesson:
    """The lesson under way, or a fresh one when the label or the active model changed (teach.resume)."""
    lesson, model_changed = teach.resume(session.lesson(), net, digit.image, label)
    if model_changed:
        show("info", f"The active model changed (now: {model_name}), so teaching starts over from it.",
             ":material/info:")
    session.set_lesson(lesson)
    return lesson


def last_nudge(lesson: teach.Lesson, digit: CurrentDigit, label: int) -> None:
    """What the last nudge changed: each layer's gradient size (deeper than one hidden layer), the most changed
    first-layer neurons, the kernels between hidden layers, the output weights, and a table."""
    st.subheader("What the last step changed")
    before, after, update, grads = lesson.nets[-2], lesson.current, lesson.last.update, lesson.last.grads
    between = teach.between_layers(after)
    if between:
        sizes = teach.gradient_sizes(after, grads)
        st.plotly_chart(figures.gradient_sizes(sizes), **CHART)
        st.caption(teach.gradient_lesson(after, sizes))
    rival = teach.rival(lesson.probs[-2], label)  # the wrong digit this nudge pushed down most
    top = teach.most_affected(update, TILES)
    changes = teach.neuron_changes(before, after, digit.image, label, rival)
    st.plotly_chart(figures.hidden_changes(after.kernels[0], update.kernels[0], grads.kernels[0], top,
                                           [changes[j].verdict for j in top]), **CHART)
    counts = teach.tally(changes)
    first = "first hidden layer's" if between else "hidden"
    st.caption(f"The {len(top)} most changed {first} neurons. Each change is your digit, scaled: red, reinforced "
               f"(fires more for it); blue, penalised. In all {counts['reinforced']} reinforced, "
               f"{counts['penalised']} penalised, {counts['unchanged']} silent and unchanged.")
    if between:
        _between_hidden_layers(after, update, grads, between)
    o1, o2 = st.columns([1, 1.1], gap="medium")
    last = walkthrough.layer_name(after, after.depth - 1)
    with o1:
        st.plotly_chart(figures.output_changes(update.kernels[-1], grads.kernels[-1], label, rival,
                                               "hidden neuron" if not between else f"{last} neuron"), **CHART)
        said = "the network's answer" if rival == np.argmax(lesson.probs[-2]) else "the runner-up"
        st.caption(f"{'Hidden' if not between else last.capitalize()}→output weights (red grows, blue shrinks): "
                   f"into {label} (outlined green) they grow, into {rival} (outlined yellow, {said}) they shrink, "
                   "most for neurons that fired hardest.")
    with o2:
        table = pd.DataFrame([(c.neuron, c.verdict, c.hidden_before, c.hidden_after, c.vote_true, c.vote_rival)
                              for c in (changes[j] for j in top)],
                             columns=["neuron", "verdict", "before", "after", f"vote for {label}",
                                      f"vote for {rival}"])
        colours = {"reinforced": figures.GROW, "penalised": figures.SHRINK}
        st.dataframe(table.style.format(precision=4).map(lambda v: f"color: {colours.get(v, 'inherit')}",
                                                         subset=["verdict"]), hide_index=True)
        same = "The same neurons" if not between else "The same first-layer neurons"
        st.caption(f"{same}: output before and after, and their weights to {label} and {rival}"
                   + (" (deeper, their pull on each score through the layers above)." if between else "."))


def _between_hidden_layers(net: Network, update: teach.Params, grads: teach.Params, between: list[int]) -> None:
    """The change to one kernel between two hidden layers, picked by the user when there are several."""
    names = {i: f"{walkthrough.layer_name(net, i - 1)} → {i + 1}" for i in between}
    kernel = between[0] if len(between) == 1 else st.segmented_control(
        "Weights between", between, format_func=names.get, default=between[0], required=True,
        help="The kernels that join one hidden layer to the next.")
    rows, cols = teach.strongest_block(update.kernels[kernel], BLOCK)
    below, above = (walkthrough.layer_name(net, i) for i in (kernel - 1, kernel))
    said_below, said_above = (walkthrough.the_layer(net, i) for i in (kernel - 1, kernel))
    st.plotly_chart(figures.kernel_changes(update.kernels[kernel], grads.kernels[kernel], rows, cols, below, above),
                    **CHART)
    n_below, n_above = update.kernels[kernel].shape
    shown = "all" if (len(rows), len(cols)) == (n_below, n_above) else \
        f"the {len(rows)} × {len(cols)} that changed most of its {n_below} × {n_above}"
    st.caption(f"Weights from {said_below} (rows) to {said_above} (columns), {shown}: red grows, blue shrinks. With "
               "plain SGD a weight moves by how much its neuron below fired times how much the one above must change.")


def metrics(lesson: teach.Lesson, label: int) -> None:
    """The prediction, the label's probability, the loss, the nudges, and the test accuracy: before → now."""
    first, now = lesson.probs[0], lesson.probs[-1]
    m = st.columns(5)
    changed = np.argmax(now) != np.argmax(first)
    m[0].metric("Prediction", int(np.argmax(now)), delta=f"was {np.argmax(first)}" if changed else None,
                delta_color="normal" if np.argmax(now) == label else "off", delta_arrow="off")
    m[1].metric(f"Probability of {label}", f"{now[label]:.1%}",
                delta=f"{(now[label] - first[label]) * 100:+.1f} points" if lesson.nudges else None)
    m[2].metric("Loss", f"{lesson.losses[-1]:.3g}", delta=f"{lesson.losses[-1] - lesson.losses[-2]:+.3g} this step"
                if lesson.nudges else None, delta_color="inverse", help="−log(probability of the true label).")
    m[3].metric("Steps taught", lesson.nudges)
    test = model_choice.dataset()
    score = teach.remembered_accuracy(lesson.current, test)
    change = score - teach.remembered_accuracy(lesson.original, test)
    m[4].metric("Test accuracy", f"{score:.1%}", help=f"On {teach.CHECK_DIGITS:,} test digits: did it forget the "
                "others?", delta=(f"{change * 100:+.2f} points" if change else "unchanged") if lesson.nudges else None,
                delta_color="normal" if change else "off", delta_arrow="auto" if change else "off")
