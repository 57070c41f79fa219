"""The Train page's session state through its accessors, in a real Streamlit script run."""

from streamlit.testing.v1 import AppTest

from nnviz.app import session


def script():
    import streamlit as st

    from nnviz.app import session
    from nnviz.settings import Settings

    if "round" not in st.session_state:  # the first run writes every value, the second reads and clears them
        st.session_state["round"] = 1
        session.set_live_run(True)
        session.set_message(("info", "Already training."))
        session.set_experiment([Settings(width=16), Settings(width=32)])
        session.set_awaited_step(7)
        session.set_setting("width", 64)
        session.keep_url_notices(("a bad width",))
        session.keep_url_notices(("another link's notice",))  # kept only once: until the user acts
    else:
        st.write(repr((session.live_run(), session.message(), [s.width for s in session.experiment()],
                       session.awaited_step(), session.setting("width"), session.url_notices())))
        session.set_live_run(False)
        session.set_message(None)
        session.set_experiment(None)
        session.clear_url_notices()
        st.write(repr((session.live_run(), session.message(), session.experiment(), session.url_notices(),
                       session.trainer())))


def test_each_value_is_kept_for_the_session_and_cleared_through_its_accessor():
    at = AppTest.from_function(script).run()
    at.run()
    assert not at.exception
    kept, cleared = (m.value for m in at.markdown)
    assert kept == repr((True, ("info", "Already training."), [16, 32], 7, 64, ("a bad width",)))
    assert cleared == repr((False, None, [], (), None))
    assert at.session_state[session.setting_key("width")] == 64 and session.setting_key("width") == "setting_width"
