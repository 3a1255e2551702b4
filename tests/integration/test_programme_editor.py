"""The programme editor: drafts, the four-eyes rule, publishing, rollback, what a change does to
families already enrolled, and the pages (sign-in, roles, CSRF) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import shutil
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import AuditEntry, ProgrammeDraft, ProgrammeVersion, StaffUser
from notifier.domain.errors import InputError
from notifier.domain.review import ReviewRefused
from notifier.services import drafts
from notifier.services.publishing import current_programme, current_version
from notifier.services.schedule_check import check_files
from tests.conftest import MINI
from tests.integration.planning_support import (
    SMS,
    enrol_family,
    messages,
    outbox,
    recipient,
    run_days,
)
from tests.integration.staff_support import add_user, client_for, csrf_of, signed_in

TODAY = date(2027, 1, 4)
AUTHOR, REVIEWER, OTHER = "auteur@cjg.example", "beoordelaar@cjg.example", "tweede@cjg.example"
NEW_TEXT = "Hoi! Meld je aan voor de cursus bij {{ cjg.name }}: {{ link }}"


@pytest.fixture
def team(app):
    add_user(app, AUTHOR, "author")
    add_user(app, REVIEWER, "reviewer")
    add_user(app, OTHER, "reviewer")
    add_user(app, "lezer@cjg.example", "viewer")
    add_user(app, "beheer@cjg.example", "admin")
    return app


def _user(session, email):
    return session.scalars(select(StaffUser).where(StaffUser.email == email)).one()


def _draft_with_new_text(app) -> int:
    with unit_of_work(app.factory) as session:
        author = _user(session, AUTHOR)
        draft = drafts.start_draft(session, author, "Cursustekst")
        drafts.set_text(session, draft, author, "cursus", "sms", "nl", NEW_TEXT)
        return draft.id


def test_an_author_submits_a_second_person_approves_and_publishes(team):
    draft_id = _draft_with_new_text(team)
    with unit_of_work(team.factory) as session:
        author, reviewer = _user(session, AUTHOR), _user(session, REVIEWER)
        draft = drafts.get_draft(session, draft_id)
        drafts.submit(session, draft, author, TODAY)
        with pytest.raises(ReviewRefused):  # a role without REVIEW, and the author at that
            drafts.approve(session, draft, author)
        drafts.approve(session, draft, reviewer, "ziet er goed uit")
        before = current_version(session)
        published = drafts.publish_draft(session, draft, reviewer, TODAY)
    with unit_of_work(team.factory) as session:
        version = session.get(ProgrammeVersion, published.version_id)
        assert version.draft_id == draft_id and version.approved_by == REVIEWER
        assert version.created_by == REVIEWER and version.id != before.id
        assert len(version.content_hash) == 64
        _, programme = current_programme(session)
        assert programme.templates["nl"]["cursus.sms.j2"] == NEW_TEXT + "\n"
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        for expected in ("draft.create", "draft.text", "draft.submitted", "draft.approved",
                         "draft.published"):
            assert expected in actions
        assert session.get(ProgrammeDraft, draft_id).status == "published"


def test_a_reviewer_who_edited_a_draft_cannot_approve_or_publish_it(team):
    draft_id = _draft_with_new_text(team)
    with unit_of_work(team.factory) as session:
        reviewer, other = _user(session, REVIEWER), _user(session, OTHER)
        draft = drafts.get_draft(session, draft_id)
        drafts.set_text(session, draft, reviewer, "cursus", "sms", "en", "Course: {{ link }}")
        drafts.submit(session, draft, reviewer, TODAY)
        with pytest.raises(ReviewRefused, match="vier ogen"):
            drafts.approve(session, draft, reviewer)
        drafts.approve(session, draft, other)
        with pytest.raises(ReviewRefused, match="vier ogen"):
            drafts.publish_draft(session, draft, reviewer, TODAY)
        assert drafts.get_draft(session, draft_id).status == "approved"


def test_a_text_with_an_unknown_variable_is_refused_with_the_checks_own_message(team, tmp_path):
    with unit_of_work(team.factory) as session:
        author = _user(session, AUTHOR)
        draft = drafts.start_draft(session, author, "")
        with pytest.raises(drafts.ChangeRefused) as refused:
            drafts.set_text(
                session, draft, author, "cursus", "sms", "nl", "Hoi {{ naam }} {{ link }}"
            )
        assert drafts.programme_of_draft(draft).templates["nl"]["cursus.sms.j2"].startswith(
            "{% if parent_name %}"
        )  # nothing saved
    # The CLI says the same about the same text in a file.
    copy = tmp_path / "mini"
    shutil.copytree(MINI, copy)
    (copy / "templates/nl/cursus.sms.j2").write_text("Hoi {{ naam }} {{ link }}\n")
    _, problems = check_files(copy / "schedules", copy / "templates", TODAY)
    assert [p.message for p in refused.value.problems] == [
        p.message for p in problems if p.path.endswith("nl/cursus.sms.j2")
    ]


def test_step_form_problems_name_their_field_and_nothing_is_saved(team):
    with unit_of_work(team.factory) as session:
        author = _user(session, AUTHOR)
        draft = drafts.start_draft(session, author, "")
        form = {**drafts.step_document(drafts.programme_of_draft(draft).step("cursus")),
                "offset": "-10x", "link": "http://onveilig.nl"}
        with pytest.raises(drafts.ChangeRefused) as refused:
            drafts.update_step(session, draft, author, "cursus", form)
        fields = {drafts.field_of(p) for p in refused.value.problems}
        assert fields == {"offset", "link"}
        assert str(drafts.programme_of_draft(draft).step("cursus").offset) == "-10w"


def test_submit_is_refused_while_the_draft_has_errors(team):
    with unit_of_work(team.factory) as session:
        author = _user(session, AUTHOR)
        draft = drafts.start_draft(session, author, "")
        drafts.add_step(session, draft, author, {
            "key": "nieuw", "theme": "health", "anchor": "birth_date", "offset": "+5m",
            "window": "2w", "channels": ["sms"], "link": "https://www.cjgdenhaag.nl",
            "source": "CJG", "review_by": "2099-01-01"})
        with pytest.raises(drafts.ChangeRefused, match="1 fout") as refused:
            drafts.submit(session, draft, author, TODAY)
        assert "has no Dutch sms text" in refused.value.problems[0].message
        drafts.set_text(session, draft, author, "nieuw", "sms", "nl", "Nieuw: {{ link }}")
        drafts.submit(session, draft, author, TODAY)


def test_publishing_a_draft_made_on_an_older_version_is_refused(team):
    first, second = _draft_with_new_text(team), _draft_with_new_text(team)
    with unit_of_work(team.factory) as session:
        author, reviewer = _user(session, AUTHOR), _user(session, REVIEWER)
        for draft_id, text in ((first, "Eerste {{ link }}"), (second, "Tweede {{ link }}")):
            draft = drafts.get_draft(session, draft_id)
            drafts.set_text(session, draft, author, "cursus", "sms", "nl", text)
            drafts.submit(session, draft, author, TODAY)
            drafts.approve(session, draft, reviewer)
        drafts.publish_draft(session, drafts.get_draft(session, first), reviewer, TODAY)
        with pytest.raises(InputError, match="nieuw concept"):
            drafts.publish_draft(session, drafts.get_draft(session, second), reviewer, TODAY)


def test_rollback_puts_an_earlier_version_back_as_a_new_version(team):
    with unit_of_work(team.factory) as session:
        original = current_version(session)
    _publish(team, _draft_with_new_text(team))
    with unit_of_work(team.factory) as session:
        reviewer = _user(session, REVIEWER)
        result = drafts.rollback(session, original.id, reviewer)
        assert result.new and result.content_hash == original.content_hash
        assert current_version(session).id == result.version_id != original.id
        with pytest.raises(InputError):
            drafts.rollback(session, original.id, _user(session, AUTHOR))


def _publish(app, draft_id: int) -> int:
    with unit_of_work(app.factory) as session:
        author, reviewer = _user(session, AUTHOR), _user(session, REVIEWER)
        draft = drafts.get_draft(session, draft_id)
        if draft.status == "draft":
            drafts.submit(session, draft, author, TODAY)
        drafts.approve(session, draft, reviewer)
        return drafts.publish_draft(session, draft, reviewer, TODAY).version_id


def test_planned_messages_keep_their_text_and_a_removed_steps_messages_are_not_sent(team):
    # Today: kraamzorg is due for the expecting family, aangifte for the new-born one.
    enrol_family(team, TODAY, recipients=[recipient(1, SMS)], due_date=TODAY + timedelta(weeks=30))
    enrol_family(team, TODAY, recipients=[recipient(2, SMS)], birth_date=TODAY - timedelta(days=1))
    run_days(team, TODAY, TODAY)  # planned at 00:05 with version 1, due at 09:00
    assert {m.step_key for m in messages(team)} == {"kraamzorg", "aangifte"}
    with unit_of_work(team.factory) as session:
        author = _user(session, AUTHOR)
        draft = drafts.start_draft(session, author, "kraamzorg eruit, aangifte anders")
        drafts.retire_step(session, draft, author, "kraamzorg")
        drafts.set_text(session, draft, author, "aangifte", "sms", "nl", "NIEUW {{ link }}")
        draft_id = draft.id
    _publish(team, draft_id)
    run_days(team, TODAY, TODAY, at=time(10, 0), send=True)
    by_step = {m.step_key: m for m in messages(team)}
    assert by_step["kraamzorg"].status == "suppressed"
    assert by_step["kraamzorg"].reason == "step no longer in the programme"
    sent = outbox(team)
    assert len(sent) == 1 and "aangifte voor" in str(sent[0]["text"])  # version 1's text


def test_the_changes_page_counts_the_enrolled_families_a_change_affects(team):
    enrol_family(team, TODAY, recipients=[recipient(1, SMS)], due_date=TODAY + timedelta(weeks=20))
    enrol_family(team, TODAY, recipients=[recipient(2, SMS)], due_date=TODAY + timedelta(weeks=20))
    enrol_family(
        team, TODAY, recipients=[recipient(3, SMS)], birth_date=TODAY - timedelta(weeks=30)
    )
    draft_id = _draft_with_new_text(team)  # cursus: -10w before the due date
    client = signed_in(team, "lezer@cjg.example")
    page = client.get(f"/staff/drafts/{draft_id}/changes")
    assert page.status_code == 200
    assert re.search(r'id="affected-total">2<', page.text)  # not the family already past it
    assert "Stap cursus, sms (nl): tekst gewijzigd" in page.text


def test_unauthenticated_requests_are_sent_to_sign_in_or_refused(team):
    client = client_for(team)
    for path in ("/staff/programme", "/staff/drafts/1", "/staff/preview", "/staff/users",
                 "/staff/drafts/1/steps/cursus", "/staff/drafts/1/changes"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith(
            "/staff/login?next="
        ), path
    assert client.get("/staff/programme", headers={"accept": "application/json"}).status_code == 401
    assert client.get("/staff/versions/1/export.zip",
                      headers={"accept": "application/json"}).status_code == 401
    assert client.post("/staff/drafts", data={"title": "x"}).status_code == 401


@pytest.mark.parametrize(
    ("email", "status"),
    [("lezer@cjg.example", 403), ("beheer@cjg.example", 403), (AUTHOR, 303)],
)
def test_only_authors_and_reviewers_start_drafts(team, email, status):
    client = signed_in(team, email)
    token = csrf_of(client.get("/staff/programme").text)
    assert client.post("/staff/drafts", data={"csrf_token": token}).status_code == status


def test_editor_forms_without_a_csrf_token_change_nothing(team):
    draft_id = _draft_with_new_text(team)
    client = signed_in(team, AUTHOR)
    base = f"/staff/drafts/{draft_id}"
    forms = [
        ("/staff/drafts", {"title": "x"}),
        (f"{base}/steps/cursus/text", {"channel": "sms", "language": "nl", "source": "x"}),
        (f"{base}/steps/cursus", {"offset": "-1w"}),
        (f"{base}/steps/cursus/retire", {}),
        (f"{base}/actions/submit", {}),
        (f"{base}/locations", {"key": "den-haag", "name": "X"}),
        ("/staff/preview", {"day": "2027-01-01"}),
    ]
    for path, data in forms:
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 403, path
        assert client.post(path, data=data).status_code == 403, path
    with unit_of_work(team.factory) as session:
        draft = drafts.get_draft(session, draft_id)
        assert draft.status == "draft" and "cursus" in {
            s.key for s in drafts.programme_of_draft(draft).steps
        }
        assert session.scalar(select(ProgrammeDraft.id).where(ProgrammeDraft.id > draft_id)) is None


def test_through_the_pages_author_submits_and_a_colleague_approves_and_publishes(team):
    author = signed_in(team, AUTHOR)
    token = csrf_of(author.get("/staff/programme").text)
    location = author.post("/staff/drafts", data={"csrf_token": token, "title": "t"})
    base = location.headers["location"]
    typed = "Hé {{ naam }} {{ link }}"
    bad = author.post(f"{base}/steps/cursus/text", data={
        "csrf_token": token, "channel": "sms", "language": "nl", "source": typed})
    assert bad.status_code == 422 and "unknown variable &#39;naam&#39;" in bad.text
    assert "Hé {{ naam }}" in bad.text  # the typed text is kept in the form
    ok = author.post(f"{base}/steps/cursus/text", data={
        "csrf_token": token, "channel": "sms", "language": "nl", "source": NEW_TEXT})
    assert ok.status_code == 303
    assert author.post(f"{base}/actions/submit", data={"csrf_token": token}).status_code == 303
    assert author.post(f"{base}/actions/approve", data={"csrf_token": token}).status_code == 403
    reviewer = signed_in(team, REVIEWER)
    token = csrf_of(reviewer.get(base).text)
    assert reviewer.post(f"{base}/actions/approve", data={"csrf_token": token}).status_code == 303
    assert reviewer.post(f"{base}/actions/publish", data={"csrf_token": token}).status_code == 303
    page = reviewer.get("/staff/programme").text
    assert "goedgekeurd door beoordelaar@cjg.example" in page
    preview = reviewer.post("/staff/preview", data={
        "csrf_token": token, "source": "published", "kind": "due", "day": "2027-05-01",
        "start": "2027-01-04"})
    assert "Meld je aan voor de cursus bij CJG Den Haag" in preview.text


def test_admins_manage_accounts_on_the_page_and_each_change_is_audited(team):
    admin = signed_in(team, "beheer@cjg.example")
    token = csrf_of(admin.get("/staff/users").text)
    created = admin.post("/staff/users", data={
        "csrf_token": token, "email": "nieuw@cjg.example", "name": "Nieuw", "role": "author",
        "password": "een lang wachtwoord"})
    assert created.status_code == 303
    short = admin.post("/staff/users", data={
        "csrf_token": token, "email": "kort@cjg.example", "role": "author", "password": "kort"})
    assert short.status_code == 422 and "at least 12" in short.text
    with unit_of_work(team.factory) as session:
        user_id = _user(session, "nieuw@cjg.example").id
    for data in ({"action": "role", "role": "reviewer"}, {"action": "disable"},
                 {"action": "enable"},
                 {"action": "password", "password": "nog een lang wachtwoord"}):
        assert admin.post(f"/staff/users/{user_id}", data={**data, "csrf_token": token}
                          ).status_code == 303
    signed_in(team, "nieuw@cjg.example", "nog een lang wachtwoord")
    with unit_of_work(team.factory) as session:
        actions = set(session.scalars(select(AuditEntry.action).where(
            AuditEntry.actor == "beheer@cjg.example")))
        assert {"user.create", "user.role", "user.disable", "user.enable",
                "user.password_reset"} <= actions
    author = signed_in(team, AUTHOR)
    assert author.get("/staff/users").status_code == 403
