"""Sweeps page: train one setting at several values with one click, and see what it answers on one chart."""

import streamlit as st

from nnviz import sweep as core
from nnviz.app import sweep_page

BUTTONS = [("Pause", core.Event.PAUSE, ":material/pause:"), ("Resume", core.Event.RESUME, ":material/play_arrow:"),
           ("Cancel", core.Event.CANCEL, ":material/cancel:")]

st.title("Sweeps: one setting, many runs")
st.write("Why does the tutorial use 128 neurons? Why does MNIST need thousands of digits per class? Pick a setting "
         "and press **Run**: the network is trained once for each of its values, one run after another, and "
         "each run adds its point to the chart as it ends. **Light blue** is the final accuracy on the digits it "
         "trained on, **orange** on validation digits it never trained on, and the grey band between them is "
         "the overfitting gap. **White** diamonds are the test accuracy. Every run is saved under Runs & models.")

sweep = sweep_page.current()
busy = sweep is not None and not sweep.phase.over
st.session_state.setdefault(sweep_page.PICK, sweep.spec.key if sweep else "width")
picked = core.SWEEPS[st.radio("What to sweep", list(core.SWEEPS), key=sweep_page.PICK, disabled=busy,
                              format_func=lambda key: core.SWEEPS[key].title)]
st.caption(f"{len(picked.values)} runs, {picked.label.lower()} {picked.values_text()}. Everything else stays "
           f"fixed: {picked.fixed_text()}, on the bundled sample. The runs train through the same queue as the "
           "Train page: starting a sweep replaces the run there. Keep this page open: it starts each next run.")

run, *others = st.columns(4)
run.button("Run", key="sweep_run", icon=":material/play_circle:", type="primary", on_click=sweep_page.start,
           width="stretch")
for col, (label, event, icon) in zip(others, BUTTONS, strict=True):
    col.button(label, key=f"sweep_{event}", icon=icon, on_click=sweep_page.press, args=(event,),
               width="stretch")
sweep_page.show_message()

if sweep is None:
    sweep_page.chart(picked)  # what the sweep will answer, before its first run
else:
    sweep_page.live(sweep)
sweep_page.earlier()
