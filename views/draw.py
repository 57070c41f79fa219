"""Draw page: draw, pick or upload a digit; see it preprocessed like MNIST and classified."""

import streamlit as st

from nnviz import canvas, network, preprocess
from nnviz.app import digit_choice, digit_pad, model_choice, screen
from nnviz.app.boundary import boundary
from nnviz.app.messages import show
from nnviz.figures import common, probabilities

st.title("Draw a digit")
st.write("Draw a digit from 0 to 9 in the black square. nnviz prepares it the way MNIST's digits were made: "
         "crop to the ink, shrink the longest side to 20 pixels, and centre it by its centre of mass in a "
         "28×28 square. Those 784 brightness values go into the network, which answers with one probability "
         "for each digit.")


def inputs():
    """The three ways to give the network a digit; the Draw tab, whose pad the fragment below draws."""
    draw_tab, sample_tab, upload_tab = st.tabs([":material/draw: Draw", ":material/casino: Test digit",
                                                ":material/upload: Upload"])
    with draw_tab:
        a, b = st.columns([2, 1], vertical_alignment="bottom")
        stroke = a.slider("Stroke width", 8, 32, canvas.STROKE_WIDTH, key="stroke_width")
        b.button("Clear", on_click=digit_choice.clear_canvas, icon=":material/ink_eraser:", width="stretch")
    with sample_tab:
        st.write("A real handwritten digit from the MNIST test set, which the model never trained on.")
        st.button("Random test digit", on_click=digit_choice.pick_test_digit, icon=":material/casino:")
    with upload_tab:
        upload = st.file_uploader("A PNG or JPEG of one digit (dark on light is fine)", type=["png", "jpg", "jpeg"])
        if upload is not None:
            digit_choice.take_input(f"upload {upload.name}", upload.getvalue(),
                                    lambda: preprocess.from_upload(upload.getvalue()), token=upload.file_id)
    return draw_tab, stroke


def answer() -> None:
    """The digit the network sees, right beside its answer, whichever way it came."""
    message = digit_choice.notice()
    if message:
        show(*message, ":material/draw:")
    digit = digit_choice.chosen_digit()
    if digit is None:
        if not message:
            show("info", "Draw a digit, pick a test digit or upload a picture: the network's answer appears here.",
                 ":material/draw:")
        return
    label, net = model_choice.active_network()
    acts = network.forward(net, digit.image)
    seen, m1, m2 = st.columns([1, 1, 1], vertical_alignment="center")
    m1.metric("Prediction", acts.prediction, help="The digit with the highest probability.")  # the answer first
    m2.metric("Confidence", f"{acts.probs.max():.0%}")
    seen.image(common.pixelated(digit.image, 112), caption="what the network sees", width=112)
    st.caption(f"Showing **{digit.source}**" + (f" (true label {digit.label})" if digit.label is not None else "")
               + f", classified by the {label} model.")
    st.html(probabilities.probability_html(acts.probs))


def preparation() -> None:
    digit = digit_choice.chosen_digit()
    if digit is None or not digit.stages:
        return
    st.subheader("How your digit was prepared")
    st.image([common.boxed(image) for _, image in digit.stages], width=140,  # one row that wraps on a phone
             caption=[f"{name} ({image.shape[1]}×{image.shape[0]} px)" for name, image in digit.stages])


@st.fragment
def digit_pad_and_answer(draw_tab, right, stroke: int) -> None:
    """A stroke reruns only what it changes: the pad (in the Draw tab), the answer and the preparation.
    The tabs, the slider, Clear and the other inputs stay on the page untouched (a full run redraws them)."""
    with boundary("the Draw page's digit pad"):
        with draw_tab:
            side = screen.canvas_side(canvas.WIDTH, canvas.PRESENTER_WIDTH)
            drawing = digit_pad.digit_pad(side, canvas.stroke_for(side, stroke), digit_choice.canvas_clears())
        digit_choice.take_input(digit_choice.DRAWN, drawing.image_bytes,
                                lambda: preprocess.from_canvas(drawing.image_data))
        with right:
            answer()
        preparation()


with st.container(key="stack_draw"):
    left, right = st.columns([1, 1.2], gap="large")
    with left:
        draw_tab, stroke = inputs()
digit_pad_and_answer(draw_tab, right, stroke)
