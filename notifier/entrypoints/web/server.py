"""How uvicorn serves the app (``notifier serve``, and the tests' servers): one place.

Forwarded headers (``X-Forwarded-For``, ``X-Forwarded-Proto``) are believed only from the
proxies in NOTIFIER_TRUSTED_PROXIES; with none configured uvicorn's proxy handling is off (its
own default would trust 127.0.0.1, and so anything on the same host). ``Server: uvicorn`` is
not announced."""

from __future__ import annotations

from typing import Any

from notifier.config import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    trusted = list(settings.trusted_proxies)
    options: dict[str, Any] = {"proxy_headers": bool(trusted), "server_header": False}
    if trusted:
        options["forwarded_allow_ips"] = trusted
    return options
