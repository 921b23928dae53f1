"""Calling Slack's Web API: `ok: false` errors, cursor pagination, rate limits.

Slack answers most errors with HTTP 200 and `{"ok": false, "error": "…"}`; rate
limits are HTTP 429 with `Retry-After` (ApiClient waits and retries those).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import msgspec

from townhall.core.http import ApiClient
from townhall.core.services.imports import SourceFailure

#: Errors that mean the token itself is wrong: no use going on with other channels.
AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "org_login_required",
        "ekm_access_denied",
        "team_access_not_granted",
    }
)
#: Errors about one conversation: it is skipped (and reported), the others are read.
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "thread_not_found"})
RATE_LIMIT_WAIT = 30.0
_decoder = msgspec.json.Decoder()


class SlackError(SourceFailure):
    """Slack answered `ok: false`; `error` is its code (e.g. `invalid_auth`)."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


def explain(method: str, body: dict[str, Any]) -> SlackError:
    """A SlackError whose message says what was wrong and what to do."""
    error = str(body.get("error") or "unknown_error")
    if error in AUTH_ERRORS:
        message = (
            f"Slack refused the token ({error}) on {method}: put a valid bot token "
            "(xoxb-…) of an app installed in the workspace into the connection"
        )
    elif error == "missing_scope":
        message = (
            f"the Slack token lacks the scope {body.get('needed') or '?'} needed by {method} "
            f"(it has: {body.get('provided') or 'none'}); add it under OAuth & Permissions "
            "and reinstall the app"
        )
    elif error in CHANNEL_ERRORS:
        message = (
            f"Slack {method}: {error}; invite the app to the channel (/invite @app) "
            "or leave it out of the connection's `channels`"
        )
    else:
        message = f"Slack {method} failed: {error}"
    return SlackError(message, error)


class SlackWebApi:
    """GET Slack Web API methods with a bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sleep = sleep
        self.api = ApiClient(
            base_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            sleep=sleep,
            label="Slack",
        )

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One method call's JSON body; SlackError when Slack says `ok: false`."""
        for _ in range(self.api.max_retries + 1):
            response = self.api.get(method, params)
            try:
                body = _decoder.decode(response.content)
            except msgspec.DecodeError:
                raise SourceFailure(f"Slack sent something that is not JSON for {method}") from None
            if not isinstance(body, dict):
                raise SourceFailure(f"Slack sent an unexpected answer for {method}")
            if body.get("ok"):
                return body
            if body.get("error") != "ratelimited":
                raise explain(method, body)
            # A `ratelimited` error that did not come as an HTTP 429 (ApiClient waits on those).
            header = response.headers.get("retry-after", "")
            self.sleep(float(header) if header.isdigit() else RATE_LIMIT_WAIT)
        raise SourceFailure(f"Slack kept rate-limiting {method}; try the sync again later")

    def pages(self, method: str, params: dict[str, Any], key: str) -> Iterator[list[Any]]:
        """The `key` list of every page, following `response_metadata.next_cursor`."""
        cursor = ""
        while True:
            body = self.call(method, {**params, "cursor": cursor} if cursor else params)
            items = body.get(key) or []
            yield items if isinstance(items, list) else []
            cursor = (body.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return

    def close(self) -> None:
        self.api.close()
