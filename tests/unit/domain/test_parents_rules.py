"""Pure rules for the parents' work: confirmation codes, limits, lookups, retention."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.domain.confirmation import (
    CONFIRM_WITHIN,
    clean_code,
    code_digest,
    code_matches,
    new_code,
    still_open,
    usable_code,
)
from notifier.domain.contact import lookup_phone, mask_email, mask_phone
from notifier.domain.errors import InputError
from notifier.domain.family import ChildStatus
from notifier.domain.limits import contact_key, within
from notifier.domain.retention import erase_due, longest_span_days, programme_end
from tests.unit.domain.support import born, expecting

NOW = datetime(2026, 11, 29, 10, tzinfo=UTC)


@given(st.integers(min_value=0, max_value=999_999))
def test_a_code_has_six_digits_and_only_its_own_confirmation_accepts_it(n):
    code = new_code(lambda _bound: n)
    assert len(code) == 6 and clean_code(code) == code
    digest = code_digest("secret", "abc", code)
    assert code not in digest
    assert code_matches("secret", "abc", code, digest)
    assert not code_matches("secret", "abd", code, digest)
    assert not code_matches("other", "abc", code, digest)


@pytest.mark.parametrize("typed, plain", [
    ("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456"), ("12345", None),
    ("1234567", None), ("12a456", None), ("", None),
])
def test_codes_are_read_as_typed(typed, plain):
    assert clean_code(typed) == plain


def test_a_confirmation_is_open_for_7_days_and_five_tries():
    assert still_open(NOW + CONFIRM_WITHIN, None, NOW)
    assert not still_open(NOW, None, NOW)
    assert not still_open(NOW + CONFIRM_WITHIN, NOW, NOW)
    assert usable_code(4) and not usable_code(5)


def test_limit_keys_hold_no_number_and_count_inclusively():
    key = contact_key("secret", "+31612345678")
    assert "3161" not in key and key == contact_key("secret", " +31612345678 ")
    assert within(3, 3) and not within(4, 3)


@pytest.mark.parametrize("raw", ["06 12345678", "+31 6 1234 5678", "0031612345678",
                                 "070 353 3000"])
def test_lookup_accepts_any_valid_number(raw):
    assert lookup_phone(raw).startswith("+31")


@pytest.mark.parametrize("raw", ["06 123", "hallo", ""])
def test_lookup_refuses_what_is_no_number(raw):
    with pytest.raises(InputError):
        lookup_phone(raw)


def test_masks_hide_the_middle():
    assert mask_phone("+31612345678") == "+316*****678"
    assert mask_email("samira@example.nl") == "s***@example.nl"


def test_a_stopped_family_is_erased_three_months_after_the_stop(mini_programme):
    stopped = date(2026, 1, 31)
    assert not erase_due(mini_programme, [], stopped, date(2026, 4, 29))
    assert erase_due(mini_programme, [], stopped, date(2026, 4, 30))
    assert erase_due(mini_programme, [], None, date(2026, 1, 1)), "no children: nothing to keep"


def test_a_family_is_erased_three_months_after_its_last_step_could_go(mini_programme):
    child = born(date(2026, 1, 10))
    end = programme_end(mini_programme, child)
    assert end > date(2026, 5, 10)  # the last steps are around 4 months
    assert not erase_due(mini_programme, [child], None, end + timedelta(days=85))
    assert erase_due(mini_programme, [child], None, end + timedelta(days=93))
    twin_later = expecting(date(2026, 9, 1), id=2)
    assert not erase_due(mini_programme, [child, twin_later], None, end + timedelta(days=93))


def test_after_a_loss_only_the_loss_steps_count(mini_programme):
    lost = replace(expecting(date(2026, 9, 1)), status=ChildStatus.LOST, lost_on=date(2026, 3, 1))
    assert programme_end(mini_programme, lost) == date(2026, 3, 8)  # verlies: +0d, window 7d


def test_the_sql_pre_filter_span_covers_every_anchor(mini_programme):
    span = longest_span_days(mini_programme)

    @settings(deadline=None)
    @given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
    def covered(anchor: date) -> None:
        assert (programme_end(mini_programme, born(anchor)) - anchor).days <= span

    covered()
