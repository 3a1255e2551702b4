"""Names in an SMS: spelled in GSM-7 so one letter does not triple the cost, left out when
they would still cost a segment, and kept as written where the text needs UCS-2 anyway."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.domain.segments import GSM_CHARS, count_segments
from notifier.domain.sms_names import gsm_name, sms_with_names


@pytest.mark.parametrize(
    ("name", "spelled"),
    [
        ("Zoë", "Zoe"),
        ("Ayşe", "Ayse"),
        ("Chloë", "Chloe"),
        ("Łucja", "Lucja"),
        ("Çağla", "Çagla"),  # Ç is GSM-7, ğ is not
        ("İlayda", "Ilayda"),
        ("Nguyễn", "Nguyen"),
        ("Zoe\u0308", "Zoe"),  # ë written as e plus a combining trema
        ("José", "José"),  # GSM-7 has é, ö, ü, Ñ, å, ø...: they stay
        ("Jörg Müller", "Jörg Müller"),
        ("Ñandú", "Ñandu"),
        ("Søren Åse", "Søren Åse"),
        ("Ægir", "Ægir"),
        ("D\u2019Angelo", "D'Angelo"),  # a curly apostrophe
        ("Σοφία", "Sofia"),  # Greek: whole, not with GSM-7's Greek capitals kept
        ("Дмитрий", "Dmitriy"),
        ("Zoë \U0001f338", "Zoe"),  # an emoji has no letters to keep
        ("محمد", ""),  # no spelling in GSM-7 the family would recognise: left out
        ("王芳", ""),
        ("  Anne   Fleur ", "Anne Fleur"),
        ("", ""),
    ],
)
def test_a_name_is_spelled_in_gsm7(name, spelled):
    assert gsm_name(name) == spelled


@given(st.text(max_size=30))
def test_any_name_comes_out_in_gsm7_without_extension_characters(name):
    spelled = gsm_name(name)
    assert set(spelled) <= GSM_CHARS
    assert count_segments("x" + spelled).units == 1 + len(spelled)  # no two-septet characters
    assert "\n" not in spelled and "\x1b" not in spelled


def hoi(context):
    name = context["parent_name"]
    return f"Hoi{' ' + name if name else ''}, {context['body']}"


@pytest.mark.parametrize("name", ["Zoë", "Ayşe", "Chloë", "Łucja"])
def test_a_name_outside_gsm7_no_longer_triples_the_segments(name):
    context = {"parent_name": name, "child_name": "", "body": "x" * 140}
    as_written = count_segments(hoi(context))
    sent = count_segments(sms_with_names(hoi, context))
    assert (as_written.encoding, as_written.segments) == ("UCS-2", 3)
    assert (sent.encoding, sent.segments) == ("GSM-7", 1)
    assert sms_with_names(hoi, context).startswith(f"Hoi {gsm_name(name)}, ")


def test_a_name_that_would_cost_a_segment_is_left_out():
    context = {"parent_name": "Maximiliaan", "child_name": "", "body": "x" * 147}
    assert count_segments(hoi(context)).segments == 2
    assert sms_with_names(hoi, context) == "Hoi, " + "x" * 147
    # the schedule check keeps the name, to tell the author it does not fit
    assert sms_with_names(hoi, context, leave_out=False).startswith("Hoi Maximiliaan, ")


def test_a_name_that_fits_stays():
    context = {"parent_name": "Maximiliaan", "child_name": "", "body": "x" * 140}
    assert sms_with_names(hoi, context) == "Hoi Maximiliaan, " + "x" * 140


def test_a_text_that_needs_ucs2_anyway_keeps_the_names_as_written():
    context = {"parent_name": "Ayşe", "child_name": "", "body": "Merhaba, bebeğiniz nasıl?"}
    assert sms_with_names(hoi, context) == "Hoi Ayşe, Merhaba, bebeğiniz nasıl?"


def test_the_child_and_twin_names_are_spelled_too():
    def text(context):
        return f"{context['parent_name']}: {context['child_name']}"

    context = {"parent_name": "Chloë", "child_name": "Zoë en Łucja"}
    assert sms_with_names(text, context) == "Chloe: Zoe en Lucja"


def test_without_names_the_template_is_rendered_once():
    calls = []

    def render(context):
        calls.append(context)
        return "Hoi, " + context["body"]

    assert sms_with_names(render, {"parent_name": "", "body": "x"}) == "Hoi, x"
    assert len(calls) == 1


def test_the_programme_spells_names_for_sms_only_and_emails_keep_them(default_programme):
    from notifier.domain.context import sample_contexts
    from notifier.domain.programme import Channel
    from notifier.services.composing import compose

    both = [s for s in default_programme.steps
            if {Channel.SMS, Channel.EMAIL} <= set(s.channels)
            and "parent_name" in default_programme.templates["nl"][f"{s.key}.sms.j2"]
            and "parent_name" in default_programme.templates["nl"][f"{s.key}.email.j2"]]
    assert both
    location = default_programme.location(None)
    spelled = 0
    for step in both:
        context = {**sample_contexts(step.key, "nl", location)[0], "parent_name": "Zoë"}
        sms = compose(default_programme, step.key, Channel.SMS, "nl", context).text
        email = compose(default_programme, step.key, Channel.EMAIL, "nl", context).text
        assert "Zoë" not in sms and count_segments(sms).encoding == "GSM-7"
        assert "Zoë" in email
        spelled += "Zoe" in sms  # (left out only where even "Zoe" would cost a segment)
    assert spelled >= len(both) / 2
