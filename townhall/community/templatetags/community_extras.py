"""Template filters of the community space."""

from __future__ import annotations

from django import template

from townhall.community.services.badges import badge_named

register = template.Library()


@register.filter
def badge_name(slug: str) -> str:
    """A badge's name from its slug (the slug itself for a badge no longer defined)."""
    badge = badge_named(slug)
    return badge.name if badge else slug
