"""NOTIFIER_TRUSTED_PROXIES: read from the environment, checked at start, handed to uvicorn."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from notifier.config import Settings
from notifier.entrypoints.web.server import uvicorn_options


def test_by_default_no_proxy_is_trusted_not_even_localhost(monkeypatch):
    monkeypatch.delenv("NOTIFIER_TRUSTED_PROXIES", raising=False)
    options = uvicorn_options(Settings(_env_file=None))
    assert options["proxy_headers"] is False and "forwarded_allow_ips" not in options


def test_a_comma_separated_list_of_addresses_and_networks(monkeypatch):
    monkeypatch.setenv("NOTIFIER_TRUSTED_PROXIES", "10.0.4.7, 192.168.0.0/16,2001:db8::/32")
    settings = Settings(_env_file=None)
    assert settings.trusted_proxies == ["10.0.4.7", "192.168.0.0/16", "2001:db8::/32"]
    options = uvicorn_options(settings)
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == settings.trusted_proxies


@pytest.mark.parametrize("value", ["*", "proxy.example", "10.0.0.300", "10.0.0.0/40"])
def test_a_value_that_is_not_an_address_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("NOTIFIER_TRUSTED_PROXIES", value)
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(_env_file=None)
