"""Settings that keep production safe: they refuse to start rather than run weakened."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifier.config import Settings

PRODUCTION = {"environment": "production", "secret_key": "a-real-secret-from-the-vault"}


def test_production_needs_its_own_secret() -> None:
    with pytest.raises(ValidationError, match="NOTIFIER_SECRET_KEY"):
        Settings(environment="production")


@pytest.mark.parametrize("roles", ["", "admin", "reviewer", "author"])
def test_production_refuses_fewer_second_factor_roles_than_admin_and_reviewer(
    roles: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFIER_STAFF_TOTP_ROLES", roles)
    with pytest.raises(ValidationError, match="NOTIFIER_STAFF_TOTP_ROLES"):
        Settings(**PRODUCTION)


def test_the_second_factor_roles_default_to_admin_and_reviewer_and_may_grow() -> None:
    assert set(Settings(**PRODUCTION).staff_totp_roles) == {"admin", "reviewer"}
    grown = Settings(**PRODUCTION, staff_totp_roles="admin,reviewer,author")
    assert grown.staff_totp_roles == ["admin", "reviewer", "author"]
    assert Settings(environment="local", staff_totp_roles="").staff_totp_roles == []
