"""Statuses and commands read, compare and save as their plain words; the recorded statuses agree with run_record."""

import json
import pickle

from nnviz import run_record
from nnviz.training.status import ACTIVE, ENDED, Command, Status


def test_statuses_are_their_words():
    assert Status.TRAINING == "training" and f"{Status.PAUSED}" == "paused"
    assert json.dumps({"status": Status.FINISHED}) == '{"status": "finished"}'
    assert pickle.loads(pickle.dumps(Status.QUEUED)) is Status.QUEUED  # snapshots cross the worker's pipe
    assert Command("play") is Command.PLAY


def test_ended_statuses_are_those_a_record_can_have():
    assert set(ENDED) == set(run_record.ENDED)
    assert all(s.ended and not s.active for s in ENDED) and all(s.active and not s.ended for s in ACTIVE)
    assert not (Status.PAUSED.ended or Status.PAUSED.active or Status.CLOSED.ended)
