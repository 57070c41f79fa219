"""Draw page: draw, pick or upload a digit; see it preprocessed like MNIST and classified."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from nnviz import canvas, network, preprocess, ui
from nnviz.figures import common

st.title("Draw a digit")
st.write("Draw a digit from 0 to 9 in the box and let go of the mouse. nnviz prepares it the way "
         "MNIST's digits were made: crop to the ink, shrink the longest side to 20 pixels, and centre "
         "it by its centre of mass in a 28×28 square. Those 784 brightness values go into the "
         "network, which answers with one probability for each digit.")

left, right = st.columns([1, 1.2], gap="large")
with left:
    tabs = [":material/draw: Draw", ":material/casino: Test digit", ":material/upload: Upload"]
    draw_tab, sample_tab, upload_tab = st.tabs(tabs)
    with draw_tab:
        stroke = st.session_state.get("stroke_width", canvas.STROKE_WIDTH)
        drawing = st_canvas(stroke_width=stroke, stroke_color="#FFFFFF", background_image=canvas.guide_image(),
                            width=canvas.WIDTH, height=canvas.HEIGHT, return_image_data=True,
                            initial_drawing=ui.blank_drawing(), key="canvas")
        ui.take_input("your drawing", drawing.image_bytes, lambda: preprocess.from_canvas(drawing.image_data))
        a, b = st.columns([2, 1], vertical_alignment="bottom")
        a.slider("Stroke width", 8, 32, canvas.STROKE_WIDTH, key="stroke_width")
        b.button("Clear", on_click=ui.clear_canvas, icon=":material/ink_eraser:", use_container_width=True)
    with sample_tab:
        st.write("A real handwritten digit from the MNIST test set, which the model never trained on.")
        st.button("Random test digit", on_click=ui.pick_test_digit, icon=":material/casino:")
    with upload_tab:
        upload = st.file_uploader("A PNG or JPEG of one digit (dark on light is fine)", type=["png", "jpg", "jpeg"])
        if upload is not None:
            ui.take_input(f"upload {upload.name}", upload.getvalue(), lambda: preprocess.from_upload(upload.getvalue()))

digit = ui.current_digit()
label, net = ui.active_network()
acts = network.forward(net, digit.image)
with right:
    message = ui.notice()
    if message:
        level, text = message
        if level == "error":
            st.error(text, icon=":material/error:")
        else:
            st.info(text, icon=":material/draw:")
    m1, m2 = st.columns(2)
    m1.metric("Prediction", acts.prediction, help="The digit with the highest probability.")
    m2.metric("Confidence", f"{acts.probs.max():.0%}")
    st.caption(f"Showing **{digit.source}**" + (f" (true label {digit.label})" if digit.label is not None else "")
               + f", classified by the {label} model.")
    st.plotly_chart(common.probability_bars(acts.probs), config={"displayModeBar": False})

st.subheader("How your digit was prepared")
if digit.steps:
    for col, (name, image) in zip(st.columns(len(digit.steps)), digit.steps):
        col.image(common.pixelated(image), caption=f"{name} ({image.shape[1]}×{image.shape[0]} px)", width=140)
else:
    st.write("This digit comes from MNIST itself, so it is already 28×28 and centred.")
    st.image(common.pixelated(digit.image), width=140)
