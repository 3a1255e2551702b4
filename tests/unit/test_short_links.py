"""Short links for SMS: opaque, unforgeable without the secret, expiring; a footer only fits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notifier.adapters.tokens import ShortLinks
from notifier.domain.errors import InputError
from notifier.domain.segments import append_if_room, count_segments

DAY = date(2026, 11, 29)


def test_a_short_link_names_its_recipient_until_it_expires() -> None:
    links = ShortLinks("secret", "preferences")
    code = links.make(4711, DAY)
    assert len(code) <= 20 and "4711" not in code
    assert links.read(code, DAY + timedelta(days=60), 60) == 4711
    assert links.read(code.upper(), DAY, 60) == 4711  # phones may capitalise
    with pytest.raises(InputError, match="expired"):
        links.read(code, DAY + timedelta(days=61), 60)


@pytest.mark.parametrize("other", [ShortLinks("other secret", "preferences"),
                                   ShortLinks("secret", "unsubscribe")])
def test_another_secret_or_purpose_cannot_read_or_make_it(other: ShortLinks) -> None:
    code = ShortLinks("secret", "preferences").make(4711, DAY)
    with pytest.raises(InputError, match="not valid"):
        other.read(code, DAY, 60)


@pytest.mark.parametrize("code", ["", "a.b", "a.b.c.d", "3nj.9a.zzzzzzzzzz", "x" * 50])
def test_garbage_is_not_a_link(code: str) -> None:
    with pytest.raises(InputError):
        ShortLinks("secret", "preferences").read(code, DAY, 60)


def test_a_footer_is_added_only_when_it_costs_no_extra_segment() -> None:
    short = "Hoi! Een kort bericht."
    assert append_if_room(short, "Stop: https://x.nl/k/abc") == short + "\nStop: https://x.nl/k/abc"
    full = "a" * 150
    assert append_if_room(full, "Stop: https://x.nl/k/abc") == full
    assert count_segments(append_if_room("é" * 10 + "ü", "x" * 20)).segments == 1
