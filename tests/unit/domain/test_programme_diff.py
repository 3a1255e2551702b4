"""The diff of two programmes, the care report and the timeline labels."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from notifier.domain.content_care import care_report
from notifier.domain.offsets import Offset
from notifier.domain.programme import Offer, OfferKind
from notifier.domain.programme_diff import diff
from notifier.entrypoints.web.editor_views import moment


def test_a_diff_names_each_changed_step_text_location_and_offer(mini_programme):
    old = mini_programme
    cursus = old.step("cursus")
    templates = {lang: dict(names) for lang, names in old.templates.items()}
    templates["nl"]["cursus.sms.j2"] = "Nieuw {{ link }}\n"
    templates["en"].pop("slapen.sms.j2")
    new = replace(
        old,
        steps=tuple(
            replace(s, offset=Offset.parse("-9w")) if s.key == "cursus" else s
            for s in old.steps
            if s.key != "tandjes"
        ),
        templates=templates,
        locations={**old.locations, "escamp": replace(old.location(None), key="escamp")},
        offers=(Offer("ehbo", OfferKind.FIRST_AID, "EHBO", "https://x.nl", {}, ("escamp",)),),
    )
    changes = {(c.kind, c.subject): c for c in diff(old, new)}
    assert changes[("step-changed", "cursus")].before == f"offset: {cursus.offset}"
    assert changes[("step-changed", "cursus")].after == "offset: -9w"
    assert ("step-removed", "tandjes") in changes
    assert changes[("text", "nl/cursus.sms.j2")].after == "Nieuw {{ link }}\n"
    assert changes[("text", "en/slapen.sms.j2")].summary.endswith("vertaling verwijderd")
    assert ("location", "escamp") in changes and ("offer", "ehbo") in changes
    assert not any(k == ("text", "nl/tandjes.sms.j2") for k in changes)  # part of the removal
    assert diff(old, old) == []


def test_the_care_report_lists_overdue_reviews_missing_translations_and_sources(mini_programme):
    steps = tuple(
        replace(s, review_by=date(2026, 1, 1), source="") if s.key == "cursus" else s
        for s in mini_programme.steps
    )
    report = care_report(replace(mini_programme, steps=steps), date(2026, 6, 1), ("tr",))
    assert report.overdue == (("cursus", date(2026, 1, 1)),)
    assert report.without_source == ("cursus",)
    by_lang = {t.language: t for t in report.translations}
    assert by_lang["tr"].present == 0 and by_lang["tr"].percent == 0
    assert "verlies.sms.j2" in by_lang["en"].missing or by_lang["en"].percent <= 100
    assert not report.all_well


def test_moments_read_as_pregnancy_weeks_or_age(mini_programme):
    assert moment(mini_programme.step("kraamzorg")) == "zwangerschapsweek 10"
    assert moment(mini_programme.step("aangifte")) == "1 dag na de geboorte"
    assert moment(mini_programme.step("verlies")) == "na een gemeld verlies"
