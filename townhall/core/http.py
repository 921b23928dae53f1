"""A small HTTP client for live APIs (connectors, CRM pulls): timeouts, retries, rate limits, pagination.

Tests pass an `httpx.MockTransport` that replays recorded responses, so no test
touches the network; `sleep` is injectable so waiting for a rate limit costs a test
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from townhall.core.services.imports import SourceFailure

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_WAIT_SECONDS = 900.0


class ApiFailure(SourceFailure):
    """An API that answered with an error (or kept failing); `status` is the last HTTP status."""

    def __init__(self, message: str, *, status: int | None) -> None:
        super().__init__(message)
        self.status = status


class ApiClient:
    """GET (or POST) JSON from one API with retries on 429/5xx/timeouts, honouring Retry-After."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        max_retries: int = 5,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        label: str = "",
    ) -> None:
        self.client = httpx.Client(
            base_url=base_url,
            headers={"User-Agent": "Townhall/0.1 (+community platform)", **(headers or {})},
            transport=transport,
            timeout=timeout,
            follow_redirects=True,
        )
        self.max_retries = max_retries
        self.sleep = sleep
        self.label = label or base_url

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """One request; retried on rate limits, server errors and timeouts, then SourceFailure."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.client.request(method, url, params=params, json=json)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as error:
                problem = f"could not connect ({error})"
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUSES and not _is_rate_limited(response):
                    raise ApiFailure(
                        f"{self.label} answered {response.status_code} for {url}: {_excerpt(response)}",
                        status=response.status_code,
                    )
                problem = f"answered {response.status_code}"
                wait = retry_after(response)
                if attempt <= self.max_retries:
                    self.sleep(wait if wait is not None else min(2**attempt, 60))
                    continue
            if attempt > self.max_retries:
                raise ApiFailure(
                    f"{self.label} {problem} for {url} after {attempt} attempts", status=None
                )
            self.sleep(min(2**attempt, 60))

    def get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """One GET; retried on rate limits, server errors and timeouts, then SourceFailure."""
        return self.request("GET", url, params=params)

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self._json(self.get(url, params), url)

    def _json(self, response: httpx.Response, url: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise SourceFailure(f"{self.label} sent something that is not JSON for {url}") from None

    def post_json(self, url: str, json_body: Any) -> Any:
        """POST a JSON body (e.g. a GraphQL query) and return the JSON answer; retried like GET."""
        return self._json(self.request("POST", url, json=json_body), url)

    def paginate_links(
        self, url: str, params: dict[str, Any] | None = None
    ) -> Iterator[httpx.Response]:
        """Follow RFC 8288 `Link: <…>; rel="next"` headers (GitHub, Discourse and others)."""
        response = self.get(url, params)
        yield response
        while "next" in response.links:
            response = self.get(response.links["next"]["url"])
            yield response

    def close(self) -> None:
        self.client.close()


class AdaptingTransport(httpx.BaseTransport):
    """Wraps the real (or a recorded) transport so that a service's own ways of saying
    "slow down" reach ApiClient as what it understands: a 429 with a wait.

    Subclasses override `adapt()`. `last_status` is the status of the last answer as the
    service gave it, so a caller can tell a 404 from other failures.
    """

    def __init__(self, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.last_status = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.last_status = response.status_code
        return self.adapt(request, response)

    def adapt(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        """The answer ApiClient should see; the service's own by default."""
        return response

    def close(self) -> None:
        self.inner.close()


def as_rate_limited(
    response: httpx.Response, request: httpx.Request, *, wait: float | str | None = None
) -> httpx.Response:
    """The same answer as a 429, which ApiClient waits out; `wait` becomes Retry-After."""
    response.read()
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    }
    if wait is not None:
        headers["retry-after"] = str(wait)
    return httpx.Response(429, headers=headers, content=response.content, request=request)


def json_or_none(response: httpx.Response) -> Any:
    """The answer's JSON body, or None when it has none (read first if streamed)."""
    response.read()
    try:
        return response.json()
    except ValueError:
        return None


def _is_rate_limited(response: httpx.Response) -> bool:
    # GitHub answers 403 with X-RateLimit-Remaining: 0 when the limit is spent.
    return response.status_code == 403 and response.headers.get("x-ratelimit-remaining") == "0"


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, from Retry-After (seconds or a date) or X-RateLimit-Reset (epoch)."""
    header = response.headers.get("retry-after")
    if header:
        try:
            return min(float(header), MAX_WAIT_SECONDS)
        except ValueError:
            try:
                moment = parsedate_to_datetime(header)
            except (TypeError, ValueError):
                return None
            return min(max((moment - datetime.now(UTC)).total_seconds(), 0.0), MAX_WAIT_SECONDS)
    # GitHub spells it X-RateLimit-Reset, X (Twitter) x-rate-limit-reset; Discord's is fractional.
    reset = response.headers.get("x-ratelimit-reset") or response.headers.get("x-rate-limit-reset")
    if reset:
        try:
            return min(max(float(reset) - time.time(), 0.0) + 1, MAX_WAIT_SECONDS)
        except ValueError:
            pass
    # Discord (and others) put the wait in the 429 body: {"retry_after": 1.5}.
    if response.status_code == 429 and "json" in response.headers.get("content-type", ""):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
            return min(float(body["retry_after"]), MAX_WAIT_SECONDS)
    return None


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:300] or response.reason_phrase
