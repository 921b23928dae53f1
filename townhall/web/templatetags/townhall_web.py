"""Template helpers for Townhall pages: brand tokens, avatars, safe links, the activity chart."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from townhall.web.brand import palette
from townhall.web.personal import parse_personal

register = template.Library()

# Hues for initials avatars; with the lightness in townhall.css, white text on each of
# them keeps a contrast above 4.5:1.
AVATAR_HUES = (210, 250, 280, 330, 10, 30, 160, 190)


@register.simple_tag
def brand_style() -> SafeString:
    """The `:root` brand tokens computed from TOWNHALL_BRAND_COLOR (always a valid colour)."""
    return mark_safe(palette(settings.BRAND_COLOR).css())  # noqa: S308 - built from parsed hex digits only


@register.simple_tag
def brand_favicon() -> str:
    """A data-URI SVG favicon in the brand colour, so browsers stop asking for /favicon.ico."""
    fill = palette(settings.BRAND_COLOR).fill.replace("#", "%23")
    return (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
        f"<rect width='32' height='32' rx='8' fill='{fill}'/></svg>"
    )


@register.filter
def initials(name: Any) -> str:
    """Up to two initials of a name ("Ada Lovelace" -> "AL"), "?" for none."""
    text = str(name or "")
    if "@" in text:  # an email address: the part before the @ is the person
        text = text.split("@", 1)[0]
    words = [w for w in text.replace(".", " ").replace("_", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


@register.filter
def avatar_hue(key: Any) -> int:
    """A stable hue for someone's initials avatar, so people are easier to tell apart."""
    try:
        return AVATAR_HUES[int(key) % len(AVATAR_HUES)]
    except (TypeError, ValueError):
        return AVATAR_HUES[0]


@register.filter
def safe_url(url: Any) -> str:
    """The URL if it is http(s), else "": imported data must never yield a javascript: link."""
    value = str(url or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else ""


@register.inclusion_tag("web/components/activity_chart.html")
def activity_chart(days: list[Any], title: str = "Activities per day") -> dict[str, Any]:
    """An SVG bar chart of `DayCount`s that needs no JavaScript, with a table beside it."""
    peak = max((d.activities for d in days), default=0)
    width, height, gap = 100 / max(len(days), 1), 100, 0.6
    bars = []
    for index, day in enumerate(days):
        bar_height = (day.activities / peak * (height - 2)) if peak else 0
        bars.append(
            {
                "day": day.day,
                "activities": day.activities,
                "x": round(index * width + gap / 2, 3),
                "width": round(width - gap, 3),
                # A day with some activity stays visible however small it is next to the peak.
                "height": round(max(bar_height, 1.5 if day.activities else 0), 3),
                "y": round(height - max(bar_height, 1.5 if day.activities else 0), 3),
            }
        )
    total = sum(d.activities for d in days)
    busiest = max(days, key=lambda d: d.activities, default=None)
    return {
        "bars": bars,
        "peak": peak,
        "total": total,
        "busiest": busiest,
        "title": title,
        "days": days,
    }


# `{% personal "name" %}…{% endpersonal %}`: a part of a shared page that belongs to the
# visitor (townhall/web/personal.py).
register.tag("personal", parse_personal)
