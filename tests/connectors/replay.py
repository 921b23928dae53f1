"""Replay recorded HTTP responses with httpx.MockTransport (no network in tests).

A recording is a JSON file: a list of exchanges, each
`{"method": "GET", "url": "https://…?page=2", "status": 200, "headers": {…}, "body": <json or string>}`.
Requests are matched on method, path and query (in any order); an unexpected
request fails the test with the URL, so a connector cannot silently call more.
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

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        queue = self.exchanges.get(_key(request.method, str(request.url)))
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        # Several recordings of one URL are answered in order (e.g. 429 then 200); the last repeats.
        exchange = queue.pop(0) if len(queue) > 1 else queue[0]
        body = exchange.get("body", "")
        content = body if isinstance(body, str) else json.dumps(body)
        headers = {"content-type": "application/json", **exchange.get("headers", {})}
        return httpx.Response(
            exchange.get("status", 200), headers=headers, content=content.encode()
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)
