"""The baseline for stroke latency: only the same canvas and one text output, no model."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

st.session_state.setdefault("clears", 0)
st.button("Clear", on_click=lambda: st.session_state.update(clears=st.session_state.clears + 1))
result = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", width=280, height=280,
                   return_image_data=True, initial_drawing={"objects": [], "clears": st.session_state.clears},
                   key="canvas")
image = result.image_data  # decoded as nnviz decodes it, so both pay for the PNG
st.metric("Prediction", len((result.json_data or {}).get("objects", [])))
