"""The notification bell's count for the site header (base.html lives in `web`, which may
not import the community app, so the count comes in through this context processor)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from townhall.accounts.permissions import member_for

_ATTRIBUTE = "_community_unread"


def unread_for_request(request: HttpRequest) -> int:
    """Unread notifications of the signed-in member, counted once per request (one query;
    none for visitors who are not signed in)."""
    cached = getattr(request, _ATTRIBUTE, None)
    if cached is None:
        from townhall.community.selectors import unread_count

        cached = unread_count(member_for(getattr(request, "user", None)))
        setattr(request, _ATTRIBUTE, cached)
    return cached


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`community_unread`, lazy: a page that never shows it (the admin) pays no query."""
    return {"community_unread": SimpleLazyObject(lambda: unread_for_request(request))}
