"""Replay recorded HTTP responses with httpx.MockTransport (no network in tests).

A recording is a JSON file: a list of exchanges, each
`{"method": "GET", "url": "https://…?page=2", "status": 200, "headers": {…}, "body": <json or string>}`.
Requests are matched on method, path and query (in any order); an unexpected
request fails the test with the URL, so a connector cannot silently call more.

Requests to one URL that differ only by their body (GraphQL POSTs) are told apart by
an optional `"match_body_contains"` on the exchange: a string, or a list of strings,
that must all occur in the request body. An exchange whose strings all match is
preferred over one without `match_body_contains`; exchanges without it match any body.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx


def _key(method: str, url: str) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(url)
    return (
        method.upper(),
        parts.netloc,
        parts.path.rstrip("/"),
        tuple(sorted(parse_qsl(parts.query))),
    )


def _body_needles(exchange: dict) -> list[str]:
    needles = exchange.get("match_body_contains") or []
    return [needles] if isinstance(needles, str) else list(needles)


class Recording:
    """Responses from a recording file; `requests` lists what the code asked for."""

    def __init__(self, *paths: Path) -> None:
        self.exchanges: dict[tuple, list[dict]] = {}
        for path in paths:
            for exchange in json.loads(path.read_text()):
                self.exchanges.setdefault(
                    _key(exchange.get("method", "GET"), exchange["url"]), []
                ).append(exchange)
        self.requests: list[str] = []
        #: The bodies of the requests that had one (decoded), in order.
        self.bodies: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        content = request.read().decode("utf-8", "replace")
        if content:
            self.bodies.append(content)
        queue = self.exchanges.get(_key(request.method, str(request.url))) or []
        # Exchanges naming parts of the body first (when they all occur), then the others.
        specific = [e for e in queue if _body_needles(e)]
        candidates = [e for e in specific if all(n in content for n in _body_needles(e))]
        if not candidates:
            candidates = [e for e in queue if not _body_needles(e)]
        if not candidates:
            raise AssertionError(
                f"unexpected request {request.method} {request.url} {content[:300]}".rstrip()
            )
        # Several recordings of one request are answered in order (e.g. 429 then 200); the
        # last repeats.
        exchange = candidates[0]
        if len(candidates) > 1:
            queue.remove(exchange)
        body = exchange.get("body", "")
        content = body if isinstance(body, str) else json.dumps(body)
        headers = {"content-type": "application/json", **exchange.get("headers", {})}
        return httpx.Response(
            exchange.get("status", 200), headers=headers, content=content.encode()
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)
