"""The official twilio client's transport on a urllib3 keep-alive pool.

``TwilioHttpClient`` goes through ``requests``, which for every request merges session settings,
cookies and hooks and re-encodes through several layers: more CPU than the rest of a send. This
client does what the official one does on the wire (same method, URL, query, form body, headers
and Basic auth, no redirects, no retries: a POST is never sent twice by the transport) and raises
the same ``requests`` exceptions for the same failures, so callers map outcomes as before:
``ConnectTimeout`` and ``ConnectionError`` (refused: nothing sent); ``ReadTimeout`` and
``ConnectionError`` "Connection aborted" (the request may have arrived).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from urllib.parse import urlencode

import certifi
import requests
import urllib3
from twilio.http import HttpClient
from twilio.http.response import Response

JSON_TYPES = ("application/json", "application/scim+json")


class PooledHttpClient(HttpClient):  # type: ignore[misc]
    def __init__(
        self,
        timeout: float | None,
        logger: logging.Logger,
        proxies: dict[str, str] | None = None,
        pool_size: int = 4,
    ) -> None:
        super().__init__(logger, False, timeout)
        options: dict[str, Any] = {
            "num_pools": 4,
            "maxsize": pool_size,
            "retries": False,
            "ca_certs": certifi.where(),
        }
        proxy = (proxies or {}).get("https") or (proxies or {}).get("http")
        self.pool: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        )

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        timeout = self.timeout if timeout is None else timeout
        if timeout is not None and timeout <= 0:
            raise ValueError(timeout)
        sent = dict(headers or {})
        query = _encode(params)
        url = uri + (("&" if "?" in uri else "?") + query if query else "")
        body: str | None = None
        if data is not None and method.upper() not in ("GET", "HEAD", "DELETE"):
            if sent.get("Content-Type") in JSON_TYPES:
                body = json.dumps(data)
            else:
                body = _encode(data)
                sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if auth is not None:
            credentials = f"{auth[0]}:{auth[1]}".encode()
            sent["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        if self.logger.isEnabledFor(logging.INFO):
            self.log_request(
                {"method": method.upper(), "url": uri, "params": params, "headers": headers}
            )
        try:
            answer = self.pool.request(
                method.upper(),
                url,
                body=body,
                headers=sent,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
                redirect=allow_redirects,
                retries=False,
            )
        except urllib3.exceptions.NewConnectionError as exc:  # refused, unreachable
            raise requests.exceptions.ConnectionError(exc) from exc
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise requests.exceptions.ConnectTimeout(exc) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(exc) from exc
        except urllib3.exceptions.ProtocolError as exc:  # the connection dropped mid-exchange
            raise requests.exceptions.ConnectionError(f"Connection aborted: {exc}") from exc
        except urllib3.exceptions.HTTPError as exc:
            raise requests.exceptions.ConnectionError(exc) from exc
        response = Response(answer.status, answer.data.decode("utf-8"), answer.headers)
        if self.logger.isEnabledFor(logging.INFO):
            self.log_response(answer.status, response)
        self._test_only_last_response = response
        return response


def _encode(values: dict[str, object] | None) -> str:
    """Form or query encoding as ``requests`` does it: lists repeat the key, None is left out."""
    if not values:
        return ""
    pairs: list[tuple[str, object]] = []
    for key, value in values.items():
        if isinstance(value, list | tuple):
            pairs.extend((key, v) for v in value if v is not None)
        elif value is not None:
            pairs.append((key, value))
    return urlencode(pairs)
