"""The step form keeps ``if_born_early`` (issue 15, item 4): an author can mark a pregnancy step
to move after an early birth, the editor shows it again, and a birth step cannot have it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import StaffUser
from notifier.domain.programme import IfBornEarly
from notifier.services import drafts
from tests.integration.staff_support import add_user

AUTHOR = "auteur@cjg.example"


def _author(session):
    return session.scalars(select(StaffUser).where(StaffUser.email == AUTHOR)).one()


def test_an_author_marks_a_pregnancy_step_to_move_and_the_form_shows_it_again(app):
    add_user(app, AUTHOR, "author")
    with unit_of_work(app.factory) as session:
        author = _author(session)
        draft = drafts.start_draft(session, author, "Eerste dagen na vroeggeboorte")
        form = drafts.step_document(drafts.programme_of_draft(draft).step("eerste-dagen"))
        assert "if_born_early" not in form  # the default, cancel
        drafts.update_step(session, draft, author, "eerste-dagen",
                           {**form, "if_born_early": "move"})
        step = drafts.programme_of_draft(draft).step("eerste-dagen")
        assert step.if_born_early is IfBornEarly.MOVE
        again = drafts.step_document(step)
        assert again["if_born_early"] == "move"  # the checkbox is checked on the next visit
        drafts.update_step(session, draft, author, "eerste-dagen", form)  # box unticked
        assert drafts.programme_of_draft(draft).step("eerste-dagen").if_born_early is (
            IfBornEarly.CANCEL)


def test_a_birth_step_cannot_move_and_the_problem_names_the_field(app):
    add_user(app, AUTHOR, "author")
    with unit_of_work(app.factory) as session:
        author = _author(session)
        draft = drafts.start_draft(session, author, "")
        form = drafts.step_document(drafts.programme_of_draft(draft).step("aangifte"))
        with pytest.raises(drafts.ChangeRefused) as refused:
            drafts.update_step(session, draft, author, "aangifte",
                               {**form, "if_born_early": "move"})
        assert {drafts.field_of(p) for p in refused.value.problems} == {"if_born_early"}
