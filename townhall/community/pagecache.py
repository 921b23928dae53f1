"""Anonymous page cache: signed-out visitors get topic and board pages from Django's cache.

Every signed-out visitor sees the same topic or board page, so it is rendered once and
kept in the `default` cache (local memory in the embedded mode, Redis when
`TOWNHALL_REDIS_URL` is set) for `COMMUNITY_PAGE_CACHE_SECONDS`.

Invalidation is exact, not by time: Topic and Board carry a `cache_version` that the
verbs bump (`content_changed`) in the same transaction as the change, and the cache
key holds the versions of the topic, its board and the board's parent. A change is
committed together with its new version, so the next request after the commit misses
the cache and renders the new page. The versions live in the database, not in the
cache, because with several gunicorn workers each has its own local-memory cache: a
version kept there would only be bumped in the worker that handled the change. The
pages read the topic or board row anyway (to check visibility on every request), so
the version costs no extra query. The time limit only bounds what the versions do not
track: a member renaming themselves, "5 minutes ago" ageing.

Never cached: requests of signed-in users (their pages carry their name and CSRF
tokens), htmx requests, requests with flash messages waiting, and any response that
set a cookie or used a CSRF token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from townhall.community.models import Board, Topic

KEY_PREFIX = "community:page:v1:"
HIT_HEADER = "X-Townhall-Cache"


def content_changed(
    *, topics: Iterable[Topic | int] = (), boards: Iterable[Board | int] = ()
) -> None:
    """Bump the cache versions of these topics and boards (and of the boards' parents),
    so signed-out visitors get fresh pages. Call it inside the verb's transaction, after
    the change: the new version becomes visible with the change itself.

    Every verb that changes what a topic page shows bumps the topic; one that changes
    what a board's topic list shows (a new topic, replies, solved state, votes, topic
    likes, titles) bumps the board too.
    """
    topic_ids = sorted({t if isinstance(t, int) else t.pk for t in topics})
    board_ids = sorted({b if isinstance(b, int) else b.pk for b in boards})
    if topic_ids:
        Topic.objects.filter(pk__in=topic_ids).update(cache_version=F("cache_version") + 1)
    if board_ids:
        parents = Board.objects.filter(pk__in=board_ids, parent__isnull=False).values("parent_id")
        Board.objects.filter(Q(pk__in=board_ids) | Q(pk__in=parents)).update(
            cache_version=F("cache_version") + 1
        )


def topic_changed(topic: Topic, *, listing: bool = True) -> None:
    """Bump `topic`, and its board (and parent) when `listing`: the board's list shows it."""
    content_changed(topics=[topic], boards=[topic.board_id] if listing else [])


def cacheable(request: HttpRequest) -> bool:
    """True when this request may get (and fill) the signed-out page cache."""
    if settings.COMMUNITY_PAGE_CACHE_SECONDS <= 0 or request.method not in {"GET", "HEAD"}:
        return False
    if request.user.is_authenticated or request.headers.get("HX-Request"):
        return False
    # Waiting flash messages (e.g. "You have signed out.") belong to this visitor only.
    return len(get_messages(request)) == 0


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and len(get_messages(request)) == 0
        and b"csrfmiddlewaretoken" not in response.content
    )


def _key(parts: Iterable[object]) -> str:
    text = "|".join(str(part) for part in parts)
    return KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest()


def anonymous_page(
    request: HttpRequest, key_parts: Iterable[object], render: Callable[[], HttpResponse]
) -> HttpResponse:
    """The page from the cache for a signed-out visitor, else `render()` (stored if it may be).

    `key_parts` must name everything the page depends on that can change: the versions
    of the topic and boards shown, and the query parameters the view reads.
    """
    if not cacheable(request):
        response = render()
        patch_vary_headers(response, ["Cookie"])
        return response
    key = _key([settings.SITE_NAME, settings.BRAND_COLOR, *key_parts])
    cached = cache.get(key)
    if cached is not None:
        content, content_type = cached
        response = HttpResponse(content, content_type=content_type)
        response[HIT_HEADER] = "hit"
    else:
        response = render()
        if _storable(request, response):
            cache.set(
                key,
                (response.content, response["Content-Type"]),
                settings.COMMUNITY_PAGE_CACHE_SECONDS,
            )
        response[HIT_HEADER] = "miss"
    patch_vary_headers(response, ["Cookie"])
    return response
