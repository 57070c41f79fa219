"""The Runs & models page under AppTest: saved runs are listed, overlaid, loaded, renamed and deleted;
good .keras uploads become the active model, bad ones are refused with the model and runs unchanged."""

import dataclasses
import json
import os
import re

import keras
import numpy as np
import pytest

from nnviz import data, model, model_io, run_store, training
from nnviz.app import model_choice, session
from nnviz.run_record import History
from nnviz.run_store import RunStore
from nnviz.settings import Settings
from tests.conftest import ROOT
from tests.test_run_store import refuse_writes

PAGE = "views/runs.py"


@pytest.fixture(scope="module")
def trained():
    """(record, network) of a real, finished one-epoch run."""
    trainer = training.Trainer(data.load_sample(), Settings(width=16, train_size=500, epochs=1, seed=5),
                               training.Pool(1))
    try:
        trainer.wait_for(lambda s: s.status == "ready", 60)
        trainer.play()
        snap = trainer.wait_for(lambda s: s.ended, 120)
        return trainer.records[0], snap.network
    finally:
        trainer.close()


@pytest.fixture
def store(tmp_path, monkeypatch):
    """An empty runs folder that the page (same process) uses."""
    monkeypatch.setenv("NNVIZ_RUNS_DIR", str(tmp_path / "runs"))
    return RunStore(tmp_path / "runs")


def tree(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def button(at, label):
    [found] = [b for b in at.button if b.label == label]
    return found


def texts(elements):
    return [e.value for e in elements]


def shown_text(at) -> list[str]:
    """Every text the page shows: Markdown, captions, alerts, labels, options and table cells."""
    shown = [e.value for kind in ("markdown", "caption", "info", "success", "warning", "error", "title", "subheader")
             for e in at.get(kind)]
    shown += [w.label for kind in ("button", "download_button", "text_input", "selectbox", "multiselect", "radio")
              for w in at.get(kind)]
    shown += [o for kind in ("selectbox", "multiselect") for w in at.get(kind) for o in w.options]
    shown += [str(v) for table in at.dataframe for v in table.value.to_numpy().ravel()]
    return shown + [at.caption[i].value for i in range(len(at.caption))]


def overlay_spec(at) -> dict:
    """The overlay chart's plotly figure, parsed (the page's first chart when runs are overlaid)."""
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def overlaid_runs(at) -> set[str]:
    """The run labels in the overlay's legend ("Run 1 · 12-01 09:30: training" → "Run 1 · 12-01 09:30")."""
    return {t["name"].rsplit(": ", 1)[0] for t in overlay_spec(at)["data"]}


def names_of(labels) -> set[str]:
    return {label.split(" · ")[0] for label in labels}


def keras_file(m: keras.Model, tmp_path) -> bytes:
    path = tmp_path / "upload.keras"
    m.save(path)
    return path.read_bytes()


def test_with_no_saved_runs_the_page_explains_itself_and_shows_the_model_in_use(open_page, store):
    at = open_page(PAGE)
    assert not at.exception
    assert any("No saved runs yet" in t for t in texts(at.info))
    assert any('tensorboard --logdir "$NNVIZ_RUNS_DIR"' in c for c in texts(at.caption))
    assert not [t for t in shown_text(at) if str(store.root.parent) in t]  # no server path on the page
    assert len(at.get("plotly_chart")) == 1  # the active model's weights
    assert any(model_choice.DEFAULT_LABEL in m for m in texts(at.markdown))
    # Uploads take 1 to 4 hidden layers (the page said "one hidden layer" after depth had landed).
    assert any("1 to 4 hidden layers" in m for m in texts(at.markdown))


def test_saved_runs_are_listed_with_their_settings_and_accuracy(open_page, store, trained):
    record, net = trained
    first = store.save(record, net)
    store.rename(store.save(record, net), "Second try")
    broken = store.save(record, net)
    (store.root / broken / "run.json").write_text("{not json")
    at = open_page(PAGE)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Name"]) == ["Second try", "Run 1"]  # newest first; the broken one left out
    assert list(table["Width"]) == [16, 16] and list(table["Status"]) == ["finished", "finished"]
    assert list(table["Test"]) == [f"{100 * record.evaluation.accuracy:.1f}%"] * 2
    [warning] = [w for w in texts(at.warning) if "could not be read" in w]
    assert broken in warning and first not in warning
    assert {d.label for d in at.get("download_button")} == {"Download its .keras file", "Download it as a .keras file"}


def test_saved_runs_are_overlaid(open_page, store, trained):
    record, net = trained
    store.save(record, net)
    store.rename(store.save(record, net), "Other")
    at = open_page(PAGE)
    [compare] = at.multiselect
    assert len(compare.value) == 2
    assert names_of(overlaid_runs(at)) == {"Other", "Run 1"}
    assert overlay_spec(at)["layout"]["title"]["text"].startswith("Accuracy: ")
    at.radio(key="runs_metric").set_value("loss").run()
    assert overlay_spec(at)["layout"]["title"]["text"].startswith("Loss: ")
    at.multiselect[0].set_value(compare.value[:1]).run()
    assert names_of(overlaid_runs(at)) == {"Other"}
    at.multiselect[0].set_value([]).run()
    assert not at.exception and len(at.get("plotly_chart")) == 1  # only the model in use


def test_loading_a_run_makes_it_every_pages_model(open_page, store, trained):
    record, net = trained
    store.rename(store.save(record, net), "Keeper")
    at = open_page(PAGE)
    button(at, "Make it the active model").click().run()
    assert not at.exception
    label, active = at.session_state[session.NETWORK]
    assert "Keeper" in label
    for a, b in zip((net.w1, net.b1, net.w2, net.b2), (active.w1, active.b1, active.w2, active.b2), strict=True):
        assert np.array_equal(a, b)
    assert any("Keeper" in c for c in texts(at.caption))
    assert any("now the model every page shows" in s for s in texts(at.success))
    at.switch_page("views/draw.py").run()  # another page uses it too
    assert not at.exception and any("Keeper" in c for c in texts(at.caption))


def test_renaming_sanitises_and_refuses_empty_names(open_page, store, trained):
    run_id = store.save(*trained)
    at = open_page(PAGE)
    at.text_input(key=f"rename_{run_id}").set_value("  Wide\x00 net\u202e  ").run()
    button(at, "Rename").click().run()
    assert store.get(run_id).name == "Wide net" and list(at.dataframe[0].value["Name"]) == ["Wide net"]
    at.text_input(key=f"rename_{run_id}").set_value("   ").run()
    button(at, "Rename").click().run()
    assert not at.exception and any("visible character" in e for e in texts(at.error))
    assert store.get(run_id).name == "Wide net"


def test_names_cannot_inject_markdown(open_page, store, trained):
    run_id = store.save(*trained)
    store.rename(run_id, "[click](http://example.invalid) ![x](http://example.invalid/x.png)")
    at = open_page(PAGE)
    button(at, "Make it the active model").click().run()
    shown = [s for s in texts(at.success) + texts(at.caption) if "example" in s]
    assert len(shown) == 2
    for text in shown:  # every bracket and colon escaped: no link, image or icon can form
        name = text.split("“", 1)[1].split("”", 1)[0]
        assert name.startswith("\\[click\\]") and not re.search(r"(?<!\\)[\[\]:!]", name)


def test_deleting_asks_first_then_removes_the_run(open_page, store, trained):
    keep = store.save(*trained)
    doomed = store.save(*trained)
    store.rename(doomed, "Doomed")
    at = open_page(PAGE)
    button(at, "Delete…").click().run()
    assert any("Delete “Doomed” for good?" in w for w in texts(at.warning))
    button(at, "Cancel").click().run()
    assert not any("for good" in w for w in texts(at.warning)) and store.get(doomed)
    button(at, "Delete…").click().run()
    button(at, "Yes, delete").click().run()
    assert not at.exception and any("was deleted" in s for s in texts(at.success))
    assert [r.run_id for r in store.list().runs] == [keep]
    assert list(at.dataframe[0].value["Name"]) == ["Run 1"]


def test_a_good_upload_becomes_the_active_model_and_leaves_the_runs_alone(open_page, store, trained, tmp_path):
    store.save(*trained)
    before = tree(store.root)
    net = model.to_network(model.build_model(24, 0.3, "tanh", seed=8))
    at = open_page(PAGE)
    at.file_uploader(key="model_upload").set_value(("my model.keras", model_io.keras_bytes(net), "application/zip"))
    at.run()
    assert not at.exception
    label, active = at.session_state[session.NETWORK]
    assert label == "uploaded my model.keras (width 24)" and active.activation == "tanh"
    assert np.array_equal(active.w1, net.w1) and np.array_equal(active.b2, net.b2)
    assert any("now the model every page shows" in s for s in texts(at.success))
    assert tree(store.root) == before


def lambda_model(marker):
    def touch(x):
        marker.touch()  # runs when Keras calls the layer: at build time here, never on upload
        return x
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Lambda(touch),
                             keras.layers.Dense(8, activation="relu"), keras.layers.Dense(10)])


BAD = {
    "lambda": (lambda tmp: keras_file(lambda_model(tmp / "ran"), tmp), "custom code"),
    "input": (lambda tmp: keras_file(keras.Sequential([keras.Input((32, 32)), keras.layers.Flatten(),
                                                       keras.layers.Dense(8), keras.layers.Dense(10)]), tmp),
              "input of shape"),
    "outputs": (lambda tmp: keras_file(keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                                         keras.layers.Dense(8, activation="relu"),
                                                         keras.layers.Dense(5)]), tmp), "5 outputs"),
    "corrupt": (lambda tmp: b"PK\x03\x04" + os.urandom(3000), "not a valid zip"),
    "huge": (lambda tmp: b"\0" * (model_io.MAX_MODEL_BYTES + 1), "files up to 20 MB"),
}


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_upload_is_refused_with_the_model_and_runs_unchanged(open_page, store, trained, tmp_path, kind):
    run_id = store.save(*trained)
    store.rename(run_id, "Active one")
    make, message = BAD[kind]
    payload = make(tmp_path)
    (tmp_path / "ran").unlink(missing_ok=True)
    at = open_page(PAGE)
    button(at, "Make it the active model").click().run()
    active = at.session_state[session.NETWORK]
    before = tree(store.root)
    at.file_uploader(key="model_upload").set_value(("bad.keras", payload, "application/zip"))
    at.run()
    assert not at.exception
    [error] = texts(at.error)
    assert message in error and "The model in use is unchanged." in error
    assert at.session_state[session.NETWORK] is active and any("Active one" in c for c in texts(at.caption))
    assert tree(store.root) == before
    assert not (tmp_path / "ran").exists()  # the Lambda's code never ran


def test_other_tabs_adding_and_deleting_runs_neither_moves_the_selection_nor_crashes(open_page, store, trained):
    older = store.save(*trained)
    store.save(*trained)
    at = open_page(PAGE)
    picker(at).set_value(older).run()
    store.save(*trained)  # another session's run ends
    at.run()
    assert picker(at).value == older and len(at.dataframe[0].value) == 3
    store.delete(older)  # another tab deletes the run this one is looking at
    button(at, "Make it the active model").click().run()
    assert not at.exception and any("no longer exists" in e for e in texts(at.error))
    assert session.NETWORK not in at.session_state
    assert picker(at).value != older and len(at.dataframe[0].value) == 2


# ---- runs are picked by id, never by label (issue 13 item 1, issue 12 defect 2) --------------------------

def picker(at):
    [found] = [s for s in at.selectbox if s.label == "Saved run"]
    return found


def overlay_picker(at):
    [found] = [m for m in at.multiselect if m.label == "Overlay the curves of"]
    return found


def twins(store, trained):
    """Two runs both called "Run 1" and saved at the same moment, one of width 16 and one of width 24: what two
    students who each saved their first run in the same minute leave for a teacher (or runs saved before
    default names were unique)."""
    record, net = trained
    wide_net = model.to_network(model.build_model(24, record.settings.dropout, "relu", seed=3))
    wide = dataclasses.replace(record, settings=record.settings.replace(width=24))
    ids = store.save(record, net, name="Run 1"), store.save(wide, wide_net, name="Run 1")
    stamp = json.loads((store.root / ids[0] / "run.json").read_text())["saved_at"]
    for run_id in ids:
        path = store.root / run_id / "run.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "saved_at": stamp}))
    assert store.get(ids[0]).when == store.get(ids[1]).when and store.get(ids[1]).name == "Run 1"
    return ids


def test_runs_with_the_same_name_and_time_are_picked_renamed_and_deleted_by_id(open_page, store, trained):
    narrow, wide = twins(store, trained)
    at = open_page(PAGE)
    assert len(set(picker(at).options)) == 2  # two distinct entries, although name and time are the same
    for chosen in (wide, narrow, wide):
        picker(at).set_value(chosen).run()
        assert not at.exception and picker(at).value == chosen
        width = store.get(chosen).settings.width
        assert any(f"width {width}" in c for c in texts(at.caption))
    at.text_input(key=f"rename_{wide}").set_value("Wide one").run()
    button(at, "Rename").click().run()
    assert not at.exception and any("Renamed to “Wide one”" in s for s in texts(at.success))
    assert (store.get(wide).name, store.get(narrow).name) == ("Wide one", "Run 1")
    assert picker(at).value == wide  # the picker stays on the run it showed
    button(at, "Delete…").click().run()
    assert any("Delete “Wide one” for good?" in w for w in texts(at.warning))
    button(at, "Yes, delete").click().run()
    assert not at.exception and [r.run_id for r in store.list().runs] == [narrow]
    assert picker(at).value == narrow and list(at.dataframe[0].value["Width"]) == [16]


@pytest.mark.parametrize("same_names", [False, True])
def test_renaming_an_overlaid_run_keeps_the_overlay_and_the_page_working(open_page, store, trained, same_names):
    first, second = twins(store, trained)
    if not same_names:
        store.rename(second, "Second")
    at = open_page(PAGE)
    assert set(overlay_picker(at).value) == {first, second}
    picker(at).set_value(second).run()
    at.text_input(key=f"rename_{second}").set_value("Renamed").run()
    button(at, "Rename").click().run()
    at.radio(key="runs_metric").set_value("loss").run()  # clicking anything after the rename
    button(at, "Delete…").click().run()
    assert not at.exception
    assert set(overlay_picker(at).value) == {first, second} and picker(at).value == second
    assert names_of(overlaid_runs(at)) == {"Renamed", "Run 1"}


def test_another_tab_renaming_the_picked_and_overlaid_runs_moves_nothing(open_page, store, trained):
    first, second = twins(store, trained)
    at = open_page(PAGE)
    picker(at).set_value(first).run()
    store.rename(first, "Run 1 again")  # another tab renames both runs this one shows
    store.rename(second, "Other")
    at.run()
    assert not at.exception and picker(at).value == first and set(overlay_picker(at).value) == {first, second}
    assert any("Run 1 again" in o for o in picker(at).options)


def test_a_runs_folder_the_server_cannot_write_gives_a_plain_message(open_page, store, trained, monkeypatch, caplog):
    run_id = store.save(*trained)
    before = tree(store.root)
    at = open_page(PAGE)
    refuse_writes(monkeypatch, store.root)
    at.text_input(key=f"rename_{run_id}").set_value("New name").run()
    button(at, "Rename").click().run()
    assert not at.exception and texts(at.error) == [run_store.NOT_WRITABLE]
    button(at, "Delete…").click().run()
    button(at, "Yes, delete").click().run()
    assert not at.exception and texts(at.error) == [run_store.NOT_WRITABLE]
    assert not [t for t in shown_text(at) if str(store.root.parent) in t]
    assert any(str(store.root) in r.getMessage() for r in caplog.records if r.name == "nnviz.runs")  # for the log
    monkeypatch.undo()
    assert tree(store.root) == before and list(at.dataframe[0].value["Name"]) == ["Run 1"]


def test_a_run_that_ended_before_a_full_epoch_shows_a_dash_and_is_not_overlaid_first(open_page, store, trained):
    record, net = trained
    full = store.save(record, net)
    first_step = dataclasses.replace(record, status="stopped", steps=1, evaluation=None, history=History(
        record.history.steps_per_epoch, step=[1], loss=[2.3], accuracy=[0.1]))
    short = store.save(first_step, net)
    at = open_page(PAGE)
    table = at.dataframe[0].value
    assert list(table["Validation"]) == ["—", f"{100 * record.final()['val_accuracy']:.1f}%"]
    assert list(table["Test"]) == ["—", f"{100 * record.evaluation.accuracy:.1f}%"]
    assert "None" not in " ".join(map(str, table.to_numpy().ravel()))
    assert picker(at).value == short and overlay_picker(at).value == [full]  # the newest run is picked, the
    assert any(c.startswith("Stopped after 1 step (") for c in texts(at.caption))  # full one is overlaid


def test_the_page_says_uploaded_models_are_explored_not_saved(open_page, store):
    at = open_page(PAGE)
    assert any("not saved" in m and "upload" in m for m in texts(at.markdown))


# ---- private runs with Streamlit's login (issue 16 part 3) ------------------------------------------------

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "a test secret, long enough",
        "client_id": "nnviz", "client_secret": "test",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ANN = {"is_logged_in": True, "email": "ann@school.test", "name": "Ann", "sub": "ann"}
BOB = {"is_logged_in": True, "email": "bob@school.test", "name": "Bob", "sub": "bob"}
TEACHER = {"is_logged_in": True, "email": "Teacher@School.test", "name": "Ms Tee", "sub": "t"}


def signed_in_page(user: dict, page: str = PAGE):
    """The page as a server with login on shows it to user (st.user's claims; is_logged_in False: nobody)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.secrets["nnviz"] = {"teachers": ["teacher@school.test"]}
    at.user = user
    at.switch_page(page)
    return at.run()


@pytest.fixture
def class_runs(store, trained):
    """Ann's private run, Ann's shared run, Bob's private run, and a run saved before login was set up."""
    from tests import test_run_store as users

    ann, bob = RunStore(store.root, users.ANN), RunStore(store.root, users.BOB)
    ids = {"ann": ann.save(*trained, name="Ann private"), "ann_shared": ann.save(*trained, name="Ann shared"),
           "bob": bob.save(*trained, name="Bob private"), "old": store.save(*trained, name="Before login")}
    ann.share(ids["ann_shared"], True)
    return ids


def forge(widget, value):
    """Set a widget's value as a hand-made browser message could, disabled or not."""
    widget._value = value
    return widget


def forged_choice(selectbox, label: str):
    """Make a selectbox send a label (what the browser sends) that is not one of its options."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=selectbox.id, string_value=label)
    selectbox.__class__ = type("Forged", (type(selectbox),), {"_widget_state": property(lambda _: state)})
    return selectbox


def listed(at) -> list[str]:
    return list(at.dataframe[0].value["Name"]) if at.dataframe else []


def test_with_login_on_nobody_sees_runs_before_signing_in(store, class_runs):
    at = signed_in_page({"is_logged_in": False})
    assert not at.exception and [t.value for t in at.title] == ["Sign in"]
    assert [b.label for b in at.button] == ["Sign in"] and not at.dataframe
    at = signed_in_page({"is_logged_in": False}, "views/train.py")  # nor trains (it would save a run)
    assert not at.exception and [b.label for b in at.button] == ["Sign in"]


def test_a_student_sees_their_own_runs_and_the_shared_ones_only(store, class_runs):
    at = signed_in_page(BOB)
    assert not at.exception
    assert sorted(listed(at)) == ["Ann shared", "Bob private"]
    table = at.dataframe[0].value
    assert dict(zip(table["Name"], table["Owner"], strict=True)) == {"Ann shared": "Ann", "Bob private": "you"}
    assert any("Signed in as **Bob**" in c for c in texts(at.caption))
    assert not any("tensorboard" in c for c in texts(at.caption))
    assert not [t for t in shown_text(at) if str(store.root.parent) in t or "ann@" in t]


def test_a_teacher_sees_every_run(store, class_runs):
    at = signed_in_page(TEACHER)
    assert not at.exception and sorted(listed(at)) == ["Ann private", "Ann shared", "Before login", "Bob private"]
    picker(at).set_value(class_runs["bob"]).run()
    assert button(at, "Rename").disabled and button(at, "Delete…").disabled  # seen, not changed


def test_a_student_cannot_rename_delete_or_share_anothers_run_even_with_forged_widget_values(store, class_runs):
    before = tree(store.root)
    at = signed_in_page(BOB)
    shared, private = class_runs["ann_shared"], class_runs["ann"]
    picker(at).set_value(shared).run()
    assert button(at, "Rename").disabled and button(at, "Delete…").disabled
    assert at.text_input(key=f"rename_{shared}").disabled and at.toggle(key=f"share_{shared}_1").disabled
    assert any("only they can rename" in c for c in texts(at.caption))
    # What a hand-made browser message could send: a new name, clicks on the disabled buttons and toggle (AppTest
    # refuses to touch disabled widgets, as a browser does, so the values are set underneath it)…
    forge(at.text_input(key=f"rename_{shared}"), "Bob's now").run()
    forge(button(at, "Rename"), True).run()
    forge(button(at, "Delete…"), True).run()
    assert not [b for b in at.button if b.label == "Yes, delete"]
    forge(at.toggle(key=f"share_{shared}_1"), False).run()
    at.session_state["runs_confirm_delete"] = shared  # …a confirmation the page never asked for…
    at.run()
    assert not [b for b in at.button if b.label == "Yes, delete"]
    # …and the picker set to the label Ann's private run would have.
    label = run_store.picker_labels(RunStore(store.root).list().runs)[private]
    forged_choice(picker(at), label).run()
    assert not at.exception and picker(at).value in (shared, class_runs["bob"])
    assert tree(store.root) == before and sorted(listed(at)) == ["Ann shared", "Bob private"]
    assert not [t for t in shown_text(at) if "Ann private" in t]


def test_an_owner_shares_renames_and_deletes_their_run(store, class_runs):
    ann = signed_in_page(ANN)
    private = class_runs["ann"]
    picker(ann).set_value(private).run()
    ann.toggle(key=f"share_{private}_0").set_value(True).run()
    assert not ann.exception and any("class gallery" in s for s in texts(ann.success))
    assert "Ann private" in listed(signed_in_page(BOB))
    ann.text_input(key=f"rename_{private}").set_value("Ann's wide net").run()
    button(ann, "Rename").click().run()
    assert RunStore(store.root).get(private).name == "Ann's wide net"
    button(ann, "Delete…").click().run()
    button(ann, "Yes, delete").click().run()
    assert not ann.exception and sorted(listed(ann)) == ["Ann shared"]


def test_teachers_can_also_be_listed_in_the_environment(store, class_runs, monkeypatch):
    monkeypatch.setenv("NNVIZ_TEACHERS", "someone@else.test, BOB@school.test")
    at = signed_in_page(BOB)
    assert not at.exception and len(listed(at)) == 4
    assert any("teacher: you see every run" in c for c in texts(at.caption))


def test_a_deep_run_shows_its_layers_in_the_table_and_loads_with_them(open_page, store, trained):
    record, _ = trained
    deep = model.to_network(model.build_model((24, 12, 8), 0.2, "relu", seed=3))
    store.save(dataclasses.replace(record, settings=record.settings.replace(widths=(24, 12, 8))), deep)
    at = open_page(PAGE)
    table = at.dataframe[0].value
    assert list(table["Hidden layers"]) == ["24-12-8"] and list(table["Width"]) == [24]
    button(at, "Make it the active model").click().run()
    assert not at.exception
    label, active = at.session_state[session.NETWORK]
    assert label == "saved run “Run 1” (widths 24-12-8)" and active.widths == (24, 12, 8)
    assert any("**saved run “Run 1” (widths 24-12-8)**" in m for m in texts(at.markdown))  # the model in use


def test_a_deep_upload_is_accepted_and_a_too_deep_one_refused_naming_its_layers(open_page, store, tmp_path):
    net = model.to_network(model.build_model((24, 12, 8), 0.0, "sigmoid", seed=8))
    at = open_page(PAGE)
    at.file_uploader(key="model_upload").set_value(("deep.keras", model_io.keras_bytes(net), "application/zip"))
    at.run()
    assert not at.exception
    label, active = at.session_state[session.NETWORK]
    assert label == "uploaded deep.keras (widths 24-12-8)" and active.widths == (24, 12, 8)
    assert any("a sigmoid network, widths 24-12-8" in s for s in texts(at.success))
    too_deep = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                 *[keras.layers.Dense(8, activation="relu") for _ in range(5)], keras.layers.Dense(10)])
    at.file_uploader(key="model_upload").set_value(("five.keras", keras_file(too_deep, tmp_path), "application/zip"))
    at.run()
    [error] = texts(at.error)
    assert "5 hidden Dense layers" in error and "The model in use is unchanged." in error
    assert at.session_state[session.NETWORK][1] is active
