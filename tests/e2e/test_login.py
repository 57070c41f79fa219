"""Private runs with Streamlit's own login, for real: a served nnviz whose secrets.toml points at a real OpenID
Connect provider on loopback; two students and a teacher sign in with Chromium, each in a browser of their own.
Each student sees only their own runs and the shared ones and cannot change the other's; the teacher sees all."""

from __future__ import annotations

import re

from nnviz import access
from nnviz.run_store import RunStore
from tests.support import browsers, harness, oidc
from tests.views import test_runs as views

ANN, BOB, TEACHER = "ann@school.test", "bob@school.test", "teacher@school.test"
USERS = {ANN: {"email": ANN, "name": "Ann"}, BOB: {"email": BOB, "name": "Bob"},
         TEACHER: {"email": TEACHER, "name": "Ms Tee"}}
TINY = "train_size=100&width=16&epochs=1&batch_size=16"
trained = views.trained  # a fixture: a real, finished one-epoch run


def open_runs(page, url: str) -> None:
    page.goto(f"{url}/runs")
    page.get_by_role("heading", name="Runs & models").wait_for(timeout=90_000)
    harness.wait_for_app(page)


def picker_names(page) -> list[str]:
    """The names of the runs the "Saved run" picker offers, sorted."""
    page.get_by_role("combobox", name="Saved run").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return sorted(o.split(" · ")[0] for o in options)


def pick(page, name: str) -> None:
    page.get_by_role("combobox", name="Saved run").click()
    page.get_by_role("option").filter(has_text=re.compile(rf"^{re.escape(name)} · ")).first.click()
    harness.wait_for_app(page)
    page.get_by_role("textbox", name="Name").and_(page.locator(f'[value="{name}"]')).wait_for(timeout=30_000)


def changeable(page) -> dict[str, bool]:
    """Whether the page lets this person rename, delete and share the picked run."""
    controls = {"rename": page.locator("button").filter(has_text="Rename").first,
                "delete": page.locator("button").filter(has_text="Delete").first,
                "share": page.locator("label").filter(has_text="Shared with the class").locator("input").first}
    return {what: control.is_enabled() for what, control in controls.items()}


def test_students_see_their_own_and_shared_runs_and_a_teacher_sees_every_run(tmp_path, trained):
    root = tmp_path / "runs"
    ann_store, bob_store = RunStore(root, access.User(ANN, "Ann")), RunStore(root, access.User(BOB, "Bob"))
    ann_store.save(*trained)                                         # Ann's "Run 1", from an earlier session
    bob_store.save(*trained)                                         # Bob's own "Run 1"
    bob_store.share(bob_store.save(*trained, name="Bob shared"), True)
    RunStore(root).save(*trained, name="Before login")               # saved before the host set up login
    before = {r.run_id: r.name for r in RunStore(root).list().runs}

    with oidc.provider(USERS) as issuer, browsers.chromium() as browser:
        secrets = oidc.secrets_toml(tmp_path, issuer, [TEACHER])  # the test's own, never the repo's .streamlit
        env = {"NNVIZ_RUNS_DIR": str(root), "STREAMLIT_SECRETS_FILES": str(secrets)}
        with harness.served_app(env=env) as url:
            with browsers.person(browser) as ann:
                ann.goto(f"{url}/runs")
                ann.get_by_role("heading", name="Sign in").wait_for(timeout=90_000)  # nothing before signing in
                assert "Bob" not in ann.locator("main").inner_text()
                oidc.sign_in(ann, url, ANN)

                ann.goto(f"{url}/train?{TINY}")  # Ann trains a run: the worker saves it as hers
                ann.locator(".st-key-train_play button").wait_for(timeout=90_000)
                harness.wait_for_app(ann)
                ann.locator(".st-key-train_play button").click()
                ann.get_by_text(re.compile(r"Finished 1 epochs?\.")).first.wait_for(timeout=120_000)
                [new] = [r for r in RunStore(root).list().runs if r.run_id not in before]
                assert (new.owner, new.owner_name, new.name) == (ANN, "Ann", "Run 2")  # her 2nd run, whoever else

                open_runs(ann, url)
                ann.get_by_text("Signed in as Ann").wait_for()
                assert picker_names(ann) == ["Bob shared", "Run 1", "Run 2"]
                pick(ann, "Bob shared")
                assert changeable(ann) == {"rename": False, "delete": False, "share": False}
                pick(ann, "Run 2")
                assert changeable(ann) == {"rename": True, "delete": True, "share": True}
                ann.get_by_text("Shared with the class").click()
                ann.get_by_text("is in the class gallery").wait_for(timeout=30_000)
                assert str(tmp_path) not in ann.locator("main").inner_text()  # no server path
                assert harness.exceptions_on(ann) == []

            with browsers.person(browser) as bob:
                oidc.sign_in(bob, url, BOB)
                open_runs(bob, url)
                assert picker_names(bob) == ["Bob shared", "Run 1", "Run 2"]  # his Run 1; Ann's shared Run 2
                pick(bob, "Run 2")
                assert changeable(bob) == {"rename": False, "delete": False, "share": False}
                bob.get_by_text("Ann's run: you can load").wait_for()
                assert bob.locator("button").filter(has_text="Rename").first.is_disabled()
                bob.locator("button").filter(has_text="Delete").first.click(force=True)  # a click on it does nothing
                harness.wait_for_app(bob)
                assert bob.get_by_text("for good?").count() == 0 and harness.exceptions_on(bob) == []

            with browsers.person(browser) as teacher:
                oidc.sign_in(teacher, url, TEACHER)
                open_runs(teacher, url)
                teacher.get_by_text("As a teacher you see every run").wait_for()
                assert picker_names(teacher) == ["Before login", "Bob shared", "Run 1", "Run 1", "Run 2"]
                pick(teacher, "Bob shared")
                assert changeable(teacher) == {"rename": False, "delete": False, "share": False}
                assert harness.exceptions_on(teacher) == []
                teacher.locator("button").filter(has_text="Sign out").click()  # and out again
                teacher.get_by_role("button", name="End session").click()  # the provider's page
                teacher.wait_for_url(f"{url}/**", timeout=60_000)
                teacher.goto(f"{url}/runs")
                teacher.get_by_role("heading", name="Sign in").wait_for(timeout=90_000)
                assert "Bob" not in teacher.locator("main").inner_text()

    after = {r.run_id: r.name for r in RunStore(root).list().runs}
    assert after == {**before, new.run_id: "Run 2"}  # nothing renamed or deleted by anyone but its owner
    assert RunStore(root).get(new.run_id).shared

