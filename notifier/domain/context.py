"""The variables a message template can use, and sample values for checking templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from notifier.domain.family import TERM_WEEKS, ChildFacts
from notifier.domain.programme import Location, Offer, OfferKind

VARIABLES: dict[str, str] = {
    "parent_name": "the recipient's first name, or empty",
    "child_name": "the child's name (twins: both names), or empty",
    "twins": "true when the nudge is about more than one child",
    "pregnancy_week": "week of pregnancy on the send day (before birth), else none",
    "age_weeks": "the child's age in whole weeks on the send day (after birth), else none",
    "age_months": "the child's age in whole months on the send day (after birth), else none",
    "cjg": "the family's CJG location: name, address, phone, drop_in, url",
    "offer": "local offers at the family's CJG: offer.course, offer.webinar, offer.meetup, "
    "offer.first_aid, each with name, details, url (empty when there is none)",
    "link": "short link to this step's fuller information",
    "preferences_link": "where to change or stop the messages",
}
LOCATION_FIELDS = ("name", "address", "phone", "drop_in", "url")
OFFER_FIELDS = ("name", "details", "url")
OFFER_KINDS = tuple(k.value for k in OfferKind)
_AND = {"nl": "en", "en": "and", "tr": "ve", "pl": "i", "ar": "و"}


@dataclass(frozen=True, slots=True)
class LocationView:
    name: str
    address: str
    phone: str
    drop_in: str
    url: str


@dataclass(frozen=True, slots=True)
class OfferView:
    name: str
    details: str
    url: str


def offer_views(offers: dict[OfferKind, Offer] | None, language: str) -> dict[str, OfferView]:
    """``offer.<kind>`` for every kind: the family's offer, or empty texts when there is none."""
    views = {kind.value: OfferView("", "", "") for kind in OfferKind}
    for kind, offer in (offers or {}).items():
        details = offer.details.get(language) or offer.details.get("nl", "")
        views[kind.value] = OfferView(offer.name, details, offer.url)
    return views


def location_view(location: Location, language: str) -> LocationView:
    drop_in = location.drop_in.get(language) or location.drop_in.get("nl", "")
    return LocationView(location.name, location.address, location.phone, drop_in, location.url)


def join_names(names: list[str], language: str) -> str:
    names = [n for n in names if n]
    if len(names) <= 1:
        return names[0] if names else ""
    return f"{', '.join(names[:-1])} {_AND.get(language, '&')} {names[-1]}"


def age_on(child: ChildFacts, day: date) -> tuple[int | None, int | None, int | None]:
    """(pregnancy_week, age_weeks, age_months) on ``day``."""
    if not child.born and day < child.due_date:
        return TERM_WEEKS - ((child.due_date - day).days + 6) // 7, None, None
    anchor = child.birth_anchor
    if day < anchor:
        return None, None, None
    delta = relativedelta(day, anchor)
    return None, (day - anchor).days // 7, delta.years * 12 + delta.months


def message_context(
    *,
    children: list[ChildFacts],
    day: date,
    language: str,
    location: Location,
    step_key: str,
    public_url: str,
    parent_name: str = "",
    offers: dict[OfferKind, Offer] | None = None,
) -> dict[str, Any]:
    lead = children[0]
    pregnancy_week, age_weeks, age_months = age_on(lead, day)
    base = public_url.rstrip("/")
    return {
        "parent_name": parent_name or "",
        "child_name": join_names([c.name for c in children], language),
        "twins": len(children) > 1,
        "pregnancy_week": pregnancy_week,
        "age_weeks": age_weeks,
        "age_months": age_months,
        "cjg": location_view(location, language),
        "offer": offer_views(offers, language),
        "link": f"{base}/i/{step_key}",
        "preferences_link": f"{base}/p",
    }


SAMPLE_PUBLIC_URL = "https://kansrijkestart.denhaag.nl"


def sample_contexts(
    step_key: str,
    language: str,
    location: Location,
    offers: dict[OfferKind, Offer] | None = None,
) -> list[dict[str, Any]]:
    """Contexts a template must render with: filled in, all optional values empty, twins, and
    both a pregnancy and an after-birth moment."""
    cjg = location_view(location, language)
    base = {
        "cjg": cjg,
        "offer": offer_views(offers, language),
        "link": f"{SAMPLE_PUBLIC_URL}/i/{step_key}",
        "preferences_link": f"{SAMPLE_PUBLIC_URL}/p",
    }
    filled = {"parent_name": "Samira", "child_name": "Noor", "twins": False}
    empty = {"parent_name": "", "child_name": "", "twins": False}
    twins = {
        "parent_name": "Jan-Willem",
        "child_name": join_names(["Noor", "Sem"], language),
        "twins": True,
    }
    pregnant = {"pregnancy_week": 20, "age_weeks": None, "age_months": None}
    born = {"pregnancy_week": None, "age_weeks": 10, "age_months": 2}
    return [{**base, **who, **when} for who in (filled, empty, twins) for when in (pregnant, born)]


# Names an SMS must fit: letters outside GSM-7 (each would switch an SMS to UCS-2 as written)
# and a long one. ``notifier schedules check`` renders every SMS with each; a name longer
# still is left out of an SMS where it would cost a segment (``domain/sms_names.py``).
HARD_NAMES = ("Zoë", "Ayşe", "Chloë", "Łucja", "Maximiliaan")


def name_contexts(
    step_key: str,
    language: str,
    location: Location,
    offers: dict[OfferKind, Offer] | None = None,
) -> list[dict[str, Any]]:
    """The sample contexts again with each of ``HARD_NAMES`` as the parent's and the child's
    name, and twins with two of them."""
    who = [{"parent_name": n, "child_name": n, "twins": False} for n in HARD_NAMES]
    pair = join_names([HARD_NAMES[-1], HARD_NAMES[3]], language)
    who.append({"parent_name": HARD_NAMES[-1], "child_name": pair, "twins": True})
    return [
        {**sample, **names}
        for sample in sample_contexts(step_key, language, location, offers)[:2]
        for names in who
    ]
