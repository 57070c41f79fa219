"""Teach page: one gradient step at a time on the user's own digit, on a copy of the model, with every change shown."""

import numpy as np
import pandas as pd
import streamlit as st

from nnviz import data, settings, teach
from nnviz.app import digit_choice, model_choice
from nnviz.figures import teach as figures

LESSON, LABEL, SEEN, OPTIMIZER, KEPT = "teach_lesson", "teach_label", "teach_digit", "teach_optimizer", "teach_kept"
RATES = {"sgd": [5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1], "adam": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]}
TILES = 8  # hidden neurons shown in the weight-change picture


def step():
    optimizer = st.session_state[OPTIMIZER]
    st.session_state[LESSON] = teach.teach(st.session_state[LESSON], optimizer,
                                           st.session_state[f"teach_rate_{optimizer}"])


def undo():
    st.session_state[LESSON] = teach.undo(st.session_state[LESSON])


def keep():
    lesson = st.session_state[LESSON]
    model_choice.set_active_network("taught on your digit", lesson.current)
    st.session_state[KEPT] = lesson.steps
    st.session_state[LESSON] = teach.start(lesson.current, lesson.image, lesson.label)  # go on from the kept model


st.title("Teach the network your digit")
st.write("Pick your digit's true label and click **Teach one step**: backpropagation nudges every weight to make "
         "that answer likelier. This is a copy: **Undo** restores it, **Keep** makes every page use it.")

digit = digit_choice.current_digit()
model_name, net = model_choice.active_network()
seen = (digit.source, teach.fingerprint(digit.image))
if st.session_state.get(SEEN) != seen:  # a new digit: start a new lesson, labelled if its label is known
    st.session_state[SEEN] = seen
    st.session_state[LABEL] = digit.label
    st.session_state.pop(LESSON, None)

left, controls = st.columns([1, 3], gap="large")
left.image(digit.image, caption=digit.source, width=160, clamp=True)
with controls:
    label = st.segmented_control("Its true label", list(range(10)), key=LABEL, persist_state="session",
                                 help="The answer you want the network to learn for this digit.")
    a, b = st.columns(2)
    # persist_state: the label and settings survive a visit to another page, as the lesson does.
    optimizer = a.radio("Optimizer", list(teach.OPTIMIZERS), format_func=teach.OPTIMIZERS.get, key=OPTIMIZER,
                        persist_state="session", horizontal=True,
                        help="Plain SGD moves each weight by −η × its gradient. Adam, which trained this model, "
                             "scales each weight's step by its gradient history (starting fresh here).")
    b.select_slider("Learning rate η", RATES[optimizer], value=teach.DEFAULT_RATE[optimizer],
                    key=f"teach_rate_{optimizer}", persist_state="session", format_func=lambda r: f"{r:g}")
if label is None:
    st.info("Which digit is it? Pick its true label above to start teaching.", icon=":material/touch_app:")
    st.stop()

lesson = st.session_state.get(LESSON)
if lesson is not None and lesson.steps and lesson.label == label and lesson.original is not net:
    st.info(f"The active model changed (now: {model_name}), so teaching starts over from it.",
            icon=":material/info:")
if lesson is None or lesson.label != label or lesson.original is not net:
    lesson = st.session_state[LESSON] = teach.start(net, digit.image, label)

with controls:
    b1, b2, b3, _ = st.columns([1.3, 1, 1, 1.5])
    b1.button("Teach one step", type="primary", icon=":material/school:", on_click=step, width="stretch",
              disabled=lesson.steps >= teach.MAX_STEPS,
              help="One gradient step on this digit alone, with dropout off: it teaches the very answer you see.")
    b2.button("Undo", icon=":material/undo:", on_click=undo, disabled=lesson.steps == 0, width="stretch",
              help="Back to the weights from before the first step.")
    b3.button("Keep", icon=":material/check:", on_click=keep, disabled=lesson.steps == 0, width="stretch",
              help="Make the taught model the one every page uses.")
if kept := st.session_state.pop(KEPT, None):
    st.success(f"Kept: every page now uses the model taught for {settings.count(kept, 'step')} on your digit.",
               icon=":material/check:")
if lesson.steps == 0 and lesson.learned:
    st.info(f"The network already reads this digit as {label}, so a step changes little. It is most striking on "
            "a digit it gets wrong: draw a sloppy one on the Draw page, or pick another label.",
            icon=":material/lightbulb:")
if lesson.steps >= teach.MAX_STEPS:
    st.info(f"{teach.MAX_STEPS} steps is plenty for one digit: Keep or Undo to go on.")

first, now = lesson.probs[0], lesson.probs[-1]
m = st.columns(5)
changed = np.argmax(now) != np.argmax(first)
m[0].metric("Prediction", int(np.argmax(now)), delta=f"was {np.argmax(first)}" if changed else None,
            delta_color="normal" if np.argmax(now) == label else "off", delta_arrow="off")
m[1].metric(f"Probability of {label}", f"{now[label]:.1%}",
            delta=f"{(now[label] - first[label]) * 100:+.1f} points" if lesson.steps else None)
m[2].metric("Loss", f"{lesson.losses[-1]:.3g}", delta=f"{lesson.losses[-1] - lesson.losses[-2]:+.3g} this step"
            if lesson.steps else None, delta_color="inverse", help="−log(probability of the true label).")
m[3].metric("Steps taught", lesson.steps)
test = model_choice.dataset()
images, labels = data.as_float(test.x_test[:2000]), test.y_test[:2000]
score = teach.accuracy(lesson.current, images, labels)
change = score - teach.accuracy(lesson.original, images, labels)
m[4].metric("Test accuracy", f"{score:.1%}", help="On 2,000 test digits: did it forget the others?",
            delta=(f"{change * 100:+.2f} points" if change else "unchanged") if lesson.steps else None,
            delta_color="normal" if change else "off", delta_arrow="auto" if change else "off")

c1, c2 = st.columns(2)
with c1:
    st.plotly_chart(figures.probabilities_before_after(first, now, label), config={"displayModeBar": False})
    st.caption("Probabilities before teaching (grey) and now (white).")
with c2:
    st.plotly_chart(figures.learning_curve(lesson.probs, label), config={"displayModeBar": False})
    st.caption("The true digit (green, solid) against the best wrong one (yellow, dotted): once green passes, "
               "the answer is right.")

if lesson.last is None:
    st.info("Click **Teach one step** to see which weights backpropagation changes.", icon=":material/school:")
    st.stop()

st.subheader("What the last step changed")
before, after, update = lesson.nets[-2], lesson.current, lesson.last.update
rival = teach.rival(lesson.probs[-2], label)  # the wrong digit this step pushed down most
top = teach.most_affected(update, TILES)
changes = teach.neuron_changes(before, after, digit.image, label, rival)
st.plotly_chart(figures.hidden_changes(after.w1, update.w1, lesson.last.grads.w1, top,
                                       [changes[j].verdict for j in top]), config={"displayModeBar": False})
counts = teach.tally(changes)
st.caption(f"The {len(top)} most changed hidden neurons. Each change is your digit, scaled: red, reinforced (fires "
           f"more for it); blue, penalised. In all {counts['reinforced']} reinforced, {counts['penalised']} "
           f"penalised, {counts['unchanged']} silent and unchanged.")
o1, o2 = st.columns([1, 1.1], gap="medium")
with o1:
    st.plotly_chart(figures.output_changes(update.w2, lesson.last.grads.w2, label, rival),
                    config={"displayModeBar": False})
    said = "the network's answer" if rival == np.argmax(lesson.probs[-2]) else "the runner-up"
    st.caption(f"Hidden→output weights (red grows, blue shrinks): into {label} (outlined green) they grow, into "
               f"{rival} (outlined yellow, {said}) they shrink, most for neurons that fired hardest.")
with o2:
    table = pd.DataFrame([(c.neuron, c.verdict, c.hidden_before, c.hidden_after, c.vote_true, c.vote_rival)
                          for c in (changes[j] for j in top)],
                         columns=["neuron", "verdict", "before", "after", f"vote for {label}", f"vote for {rival}"])
    colours = {"reinforced": figures.GROW, "penalised": figures.SHRINK}
    st.dataframe(table.style.format(precision=4).map(lambda v: f"color: {colours.get(v, 'inherit')}",
                                                     subset=["verdict"]), hide_index=True)
    st.caption(f"The same neurons: output before and after, and their weights to {label} and {rival}.")
st.page_link("views/walkthrough.py", label="Follow the forward pass step by step", icon=":material/calculate:")
