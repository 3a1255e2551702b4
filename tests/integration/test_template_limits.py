"""Templates as a weapon (issue 16, #2): a staff author saves a text that would burn the CPU or
the memory (nested loops, a huge range, multiplied text, exploding macros, wide formats). The
editor refuses it at once, in Dutch, and saves nothing; ordinary texts still save, preview and
send; a costly text that reached a programme some other way is refused quickly when sent."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from notifier.adapters.db.engine import unit_of_work
from notifier.adapters.db.tables import ProgrammeDraft
from notifier.adapters.renderer import Renderer
from notifier.adapters.template_limits import TemplateTooCostly
from notifier.domain.programme import Channel, template_name
from notifier.services import drafts
from tests.integration.staff_support import add_user, csrf_of, signed_in

AUTHOR = "auteur@cjg.example"
LINK = " {{ link }}"
WEAPONS = {
    "nested loops": "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000)"
    " %}x{% endfor %}{% endfor %}{% endfor %}" + LINK,
    "huge range": "{% for a in range(10**9) %}{% endfor %}" + LINK,
    "string multiplication": "{{ 'ha' * 999999999 }}" + LINK,
    "exploding macro": "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}"
    "{% endmacro %}{{ f(60) }}" + LINK,
    "doubling text": "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n-1) }}{% else %}{{ s|length }}"
    "{% endif %}{% endmacro %}{{ f('a', 45) }}" + LINK,
    "wide filter": "{{ 'a'|center(999999999) }}" + LINK,
    "wide format": "{{ '{:>999999999}'.format(1) }}" + LINK,
    "huge power": "{{ 9 ** (9 ** 9) }}" + LINK,
    "recursive loop": "{% for x in [1, 2] recursive %}{{ loop([1, 2]) }}{% endfor %}" + LINK,
}
NORMAL = (
    "Hoi {{ parent_name }}! {% for i in range(2) %}*{% endfor %} Cursus bij {{ cjg.name|upper }}"
    " ({{ '%s' % 'gratis' }}, {{ 'ja' ~ '!' }}): {{ link }}"
)


@pytest.fixture
def author(app):
    add_user(app, AUTHOR, "author")
    client = signed_in(app, AUTHOR)
    token = csrf_of(client.get("/staff/programme").text)
    base = client.post("/staff/drafts", data={"csrf_token": token, "title": "t"})
    return client, token, base.headers["location"]


def save(author, source):
    client, token, base = author
    started = time.monotonic()
    answer = client.post(f"{base}/steps/cursus/text", data={
        "csrf_token": token, "channel": "sms", "language": "nl", "source": source})
    return answer, time.monotonic() - started


def saved_text(app):
    with unit_of_work(app.factory) as session:
        draft = session.scalars(select(ProgrammeDraft)).one()
        templates = drafts.programme_of_draft(draft).templates
    return templates["nl"][template_name("cursus", Channel.SMS)]


@pytest.mark.parametrize("weapon", list(WEAPONS))
def test_a_template_that_would_burn_the_cpu_is_refused_on_save_quickly(app, author, weapon):
    before = saved_text(app)
    answer, seconds = save(author, WEAPONS[weapon])
    assert answer.status_code == 422, answer.text
    assert seconds < 2.0, f"{weapon}: refused after {seconds:.2f} s"
    assert "niet opgeslagen" in answer.text and "te veel rekenwerk" in answer.text
    assert saved_text(app) == before, "nothing was saved"
    client, _, _ = author
    assert client.get("/healthz").status_code == 200


def test_an_ordinary_template_still_saves_and_previews(app, author):
    answer, seconds = save(author, NORMAL)
    assert answer.status_code == 303 and seconds < 2.0
    assert saved_text(app).strip() == NORMAL
    client, token, base = author
    draft_id = base.rstrip("/").split("/")[-1]
    preview = client.post("/staff/preview", data={
        "csrf_token": token, "source": draft_id, "kind": "due", "day": "2027-05-01",
        "start": "2027-01-04"})
    assert preview.status_code == 200
    assert "** Cursus bij CJG DEN HAAG (gratis, ja!)" in preview.text


@pytest.mark.parametrize("weapon", list(WEAPONS))
def test_a_costly_template_that_reached_a_programme_is_refused_quickly_when_sent(weapon):
    renderer = Renderer({"nl": {"x.sms": WEAPONS[weapon]}})
    started = time.monotonic()
    with pytest.raises(TemplateTooCostly):
        renderer.sms("nl", "x.sms", {"link": "https://x.example/k/1"})
    assert time.monotonic() - started < 2.0
