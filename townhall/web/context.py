"""Template context shared by every page."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from townhall.accounts.permissions import member_for


def site(request: HttpRequest) -> dict[str, Any]:
    """Site name and brand colour, and `viewer`: the signed-in person's Member (or None).

    `viewer` is lazy so pages that never show it (the admin, API docs) pay no query.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "BRAND_COLOR": settings.BRAND_COLOR,
        "viewer": SimpleLazyObject(lambda: member_for(getattr(request, "user", None))),
    }
