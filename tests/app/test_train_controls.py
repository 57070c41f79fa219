"""Train-page buttons keep the user's choices even when their callback ends at a trainer command."""

from streamlit.testing.v1 import AppTest

from nnviz.app import session


def script():
    import streamlit as st

    from nnviz.app import session, train_controls
    from nnviz.settings import Settings
    from nnviz.training.commands import Action
    from nnviz.training.snapshot import Snapshot
    from nnviz.training.status import Status

    class Interrupted:
        """A trainer whose every command ends the callback that sent it, as when another rerun was asked
        for while the command blocked: Streamlit then ends the callback at its next session-state access."""

        closed = False
        snapshot = Snapshot(version=1, run_id="r1", name="Run 1", settings=Settings(), dataset="sample",
                            status=Status.READY)

        def __init__(self):
            self.sent = []

        def __getattr__(self, command):
            if command not in ("play", "step", "pause", "stop", "reset"):
                raise AttributeError(command)

            def send(*args, **kwargs):
                self.sent.append(command)
                st.rerun()

            return send

        def close(self, wait=True, reason=""):
            pass

    if session.trainer() is None:
        session.set_trainer(Interrupted())
    st.button("Train", on_click=train_controls.press, args=(Action.PLAY, Settings(), None))
    st.button("Step", on_click=train_controls.press, args=(Action.STEP, Settings(), None))
    st.button("Experiment", on_click=train_controls.start_experiment)
    st.write(repr((session.trainer().sent, session.live_run(), session.awaited_step(), len(session.experiment()),
                   session.message())))


def shown(at):
    return eval(at.markdown[0].value)  # noqa: S307 - the repr the script itself wrote


def test_train_makes_the_run_every_pages_model_even_if_its_callback_ends_at_the_command():
    at = AppTest.from_function(script).run()
    assert shown(at)[:2] == ([], False)
    at.button[0].click().run()
    assert not at.exception
    sent, live, awaited, _, _ = shown(at)
    assert sent == ["play"] and live and awaited is None
    assert at.session_state[session.LIVE_RUN]


def test_step_records_the_step_it_waits_for_before_stepping():
    at = AppTest.from_function(script).run()
    at.button[1].click().run()
    sent, live, awaited, _, _ = shown(at)
    assert sent == ["step"] and live and awaited == 0


def test_the_experiment_is_recorded_before_its_first_run_is_started():
    at = AppTest.from_function(script, default_timeout=60).run()
    at.button[2].click().run()
    assert not at.exception
    sent, live, _, waiting, message = shown(at)
    assert sent == ["reset"] and live and waiting >= 1
    assert message[0] == "info" and "The experiment trains" in message[1]
