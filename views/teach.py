"""Teach page: one gradient nudge at a time on the user's own digit, on a copy of the model, with every change shown."""

import streamlit as st

from nnviz import teach, text
from nnviz.app import digit_choice, model_choice, session, teach_page
from nnviz.app.charts import CHART
from nnviz.app.messages import show
from nnviz.figures import teach as figures

RATES = {"sgd": [5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1], "adam": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]}

st.title("Teach the network your digit")
st.write("Pick your digit's true label and click **Teach one step**: backpropagation nudges every weight, in every "
         "layer, to make that answer likelier. This is a copy: **Undo** restores it, **Keep** makes every page use it.")

digit = digit_choice.current_digit()
model_name, net = model_choice.active_network()
teach_page.notice_new_digit(digit)

left, controls = st.columns([1, 3], gap="large")
left.image(digit.image, caption=digit.source, width=160, clamp=True)
with controls:
    label = st.segmented_control("Its true label", list(range(10)), key=session.TEACH_LABEL, persist_state="session",
                                 help="The answer you want the network to learn for this digit.")
    a, b = st.columns(2)
    # persist_state: the label and settings survive a visit to another page, as the lesson does.
    optimizer = a.radio("Optimizer", list(teach.OPTIMIZERS), format_func=teach.OPTIMIZERS.get, key=session.OPTIMIZER,
                        persist_state="session", horizontal=True,
                        help="Plain SGD moves each weight by −η × its gradient. Adam, which trained this model, "
                             "scales each weight's step by its gradient history (starting fresh here).")
    b.select_slider("Learning rate η", RATES[optimizer], value=teach.DEFAULT_RATE[optimizer],
                    key=session.rate_key(optimizer), persist_state="session", format_func=lambda r: f"{r:g}")
if label is None:
    show("info", "Which digit is it? Pick its true label above to start teaching.", ":material/touch_app:")
    st.stop()

lesson = teach_page.lesson_for(digit, net, model_name, label)
with controls:
    b1, b2, b3, _ = st.columns([1.3, 1, 1, 1.5])
    b1.button("Teach one step", type="primary", icon=":material/school:", on_click=teach_page.nudge, width="stretch",
              disabled=lesson.nudges >= teach.MAX_NUDGES,
              help="One gradient step on this digit alone, with dropout off: it teaches the very answer you see.")
    b2.button("Undo", icon=":material/undo:", on_click=teach_page.undo, disabled=lesson.nudges == 0, width="stretch",
              help="Back to the weights from before the first step.")
    b3.button("Keep", icon=":material/check:", on_click=teach_page.keep, disabled=lesson.nudges == 0,
              width="stretch", help="Make the taught model the one every page uses.")
if kept := session.take_kept():
    show("success", f"Kept: every page now uses the model taught for {text.count(kept, 'step')} on your digit.",
         ":material/check:")
if lesson.nudges == 0 and lesson.learned:
    show("info", f"The network already reads this digit as {label}, so a step changes little. It is most striking "
         "on a digit it gets wrong: draw a sloppy one on the Draw page, or pick another label.", ":material/lightbulb:")
if lesson.nudges >= teach.MAX_NUDGES:
    show("info", f"{teach.MAX_NUDGES} steps is plenty for one digit: Keep or Undo to go on.")

teach_page.metrics(lesson, label)
c1, c2 = st.columns(2)
with c1:
    st.plotly_chart(figures.probabilities_before_after(lesson.probs[0], lesson.probs[-1], label), **CHART)
    st.caption("Probabilities before teaching (grey) and now (white).")
with c2:
    st.plotly_chart(figures.learning_curve(lesson.probs, label), **CHART)
    st.caption("The true digit (green, solid) against the best wrong one (yellow, dotted): once green passes, "
               "the answer is right.")

if lesson.last is None:
    show("info", "Click **Teach one step** to see which weights backpropagation changes.", ":material/school:")
    st.stop()
teach_page.last_nudge(lesson, digit, label)
st.page_link("views/walkthrough.py", label="Follow the forward pass step by step", icon=":material/calculate:")
