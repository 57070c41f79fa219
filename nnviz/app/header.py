"""The line above every page: the model and data in use, a way back to the default, presenter mode, sign-out."""

from __future__ import annotations

import streamlit as st

from nnviz.app import identity, model_choice, screen, session


def header() -> None:
    """What every page shares, in one line above it. No sidebar: on a tablet or a projector it took a third
    of the screen."""
    screen.apply()
    label, _ = model_choice.active_network()
    trainer = session.trainer()
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="nnviz_header"):
        st.caption(f"**Model:** {label} · **Data:** {model_choice.dataset().summary}", width="content")
        if label != model_choice.DEFAULT_LABEL:
            st.button("Use the pretrained default", on_click=model_choice.reset_active_network,
                      icon=":material/restart_alt:",
                      help="Every page goes back to the model nnviz ships with. Your runs are kept.")
        elif trainer is not None and trainer.snapshot.step > 0 and trainer.snapshot.network is not None:
            st.button(f"Use your {trainer.snapshot.name}", on_click=model_choice.use_training_run,
                      icon=":material/model_training:",
                      help="Every page shows the weights of your latest training run.")
        screen.presenter_toggle()
        identity.account_controls()  # who is signed in, and Sign out (nothing when login is off)
