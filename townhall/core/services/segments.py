"""Segments: saved filters over members (docs/segments.md), and their memberships.

The definition's format lives here, with the Segment model it describes, so every caller
— the pages, the API, the CLI, the analytics engine — validates it the same way. The
analytics app evaluates definitions (townhall/analytics/segments.py) and hands the
resulting member ids to `write_memberships`, which changes only what changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from townhall.core.models import Member, Role, Segment, SegmentMembership

CHUNK = 5_000
_FIELD_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
TRENDS = ("rising", "steady", "fading", "churn-risk")

# --- the definition ------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """An inclusive range; either end may be left open."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


class Attributes(_Strict):
    """Filters on the member's own fields."""

    is_employee: bool | None = None
    include_bots: bool = Field(default=False, description="Bots are left out unless this is true.")
    roles: list[str] = Field(default_factory=list, description="Any of these roles.")
    email_domain: str = Field(default="", description="Primary email ends with @<domain>.")
    joined_after: date | None = Field(default=None, description="Member created on or after.")
    joined_before: date | None = Field(default=None, description="Member created before.")
    fields: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Equal values in the member's `attributes`."
    )

    @model_validator(mode="after")
    def _known_roles(self) -> Attributes:
        unknown = sorted(set(self.roles) - set(Role.values))
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; use {', '.join(Role.values)}")
        odd = sorted(key for key in self.fields if not _FIELD_KEY.fullmatch(key))
        if odd:
            raise ValueError(f"field names are letters, digits, - and _ only: {', '.join(odd)}")
        return self


class Scores(_Strict):
    """Ranges on the stored scores (members without a score have none and do not match)."""

    score: Range | None = None
    love: Range | None = None
    reach: Range | None = None


class SourceLevel(_Strict):
    """Holds one of `levels` on `source` (per-channel levels)."""

    source: Annotated[str, Field(min_length=1, max_length=64)]
    levels: Annotated[list[str], Field(min_length=1)]


class ActivityRule(_Strict):
    """At least `min_count` activities (of `kinds`, on `sources`; any when empty) in the
    last `days` days before the evaluation."""

    kinds: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    min_count: Annotated[int, Field(ge=1)] = 1
    days: Annotated[int, Field(ge=1, le=3650)] = 30


class SegmentDefinition(_Strict):
    """A segment's filter: every part given must hold (they are intersected).

    Attribute, organization, score and level parts are evaluated by the database; the
    `sources` and `activity` parts by the analytics engine over the activity snapshot.
    """

    version: int = 1
    attributes: Attributes = Attributes()
    organizations: list[int] = Field(
        default_factory=list, description="Organization ids: member of any of these."
    )
    scores: Scores = Scores()
    levels: list[str] = Field(default_factory=list, description="Global level is any of these.")
    source_levels: list[SourceLevel] = Field(default_factory=list)
    superuser: bool | None = Field(
        default=None, description="Superuser overall (true) or not (false)."
    )
    trends: list[str] = Field(default_factory=list, description=f"Any of {', '.join(TRENDS)}.")
    sources: list[str] = Field(
        default_factory=list,
        description="Active on at least one of these sources in the last `sources_days` days.",
    )
    sources_days: Annotated[int, Field(ge=1, le=3650)] = 365
    activity: list[ActivityRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_trends(self) -> SegmentDefinition:
        unknown = sorted(set(self.trends) - set(TRENDS))
        if unknown:
            raise ValueError(f"unknown trend(s) {', '.join(unknown)}; use {', '.join(TRENDS)}")
        return self

    @property
    def needs_engine(self) -> bool:
        """True when part of it reads activities (the analytics engine evaluates that part)."""
        return bool(self.sources or self.activity)

    def as_json(self) -> dict[str, Any]:
        """The stored form: only what differs from the defaults."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_defaults=True)
        data["version"] = self.version
        return data


def parse_definition(data: dict[str, Any] | SegmentDefinition | None) -> SegmentDefinition:
    """Validate a definition; ValidationError (Django's) lists what is wrong, field by field."""
    if isinstance(data, SegmentDefinition):
        return data
    try:
        return SegmentDefinition.model_validate(data or {})
    except PydanticValidationError as error:
        messages = [
            f"{'.'.join(str(p) for p in e['loc']) or 'definition'}: {e['msg']}"
            for e in error.errors()
        ]
        raise ValidationError(messages) from None


# --- verbs ---------------------------------------------------------------------------------


def _check(by: Member | None) -> None:
    """Segments are managed by community managers and admins (None: the system itself)."""
    if by is None:
        return
    user = getattr(by, "user", None)
    if by.has_role(Role.COMMUNITY_MANAGER) or (user is not None and user.is_superuser):
        return
    raise PermissionDenied("Segments are managed by community managers and admins.")


def _unique_slug(name: str, wanted: str = "") -> str:
    base = slugify(wanted or name)[:60] or "segment"
    taken = set(Segment.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if wanted and slugify(wanted) in taken:
        raise ValidationError({"slug": f"The slug {wanted!r} is taken; choose another."})
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_segment(
    *,
    name: str,
    definition: dict[str, Any] | SegmentDefinition,
    by: Member | None,
    slug: str = "",
    description: str = "",
) -> Segment:
    """Save a new segment (not evaluated yet: call the analytics evaluation or wait for the run)."""
    _check(by)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "A segment needs a name."})
    parsed = parse_definition(definition)
    try:
        return Segment.objects.create(
            slug=_unique_slug(name, slug),
            name=name[:255],
            description=(description or "").strip(),
            definition=parsed.as_json(),
            created_by=by,
        )
    except IntegrityError:
        raise ValidationError({"slug": "That slug was just taken; try again."}) from None


@transaction.atomic
def update_segment(
    segment: Segment,
    *,
    by: Member | None,
    name: str | None = None,
    description: str | None = None,
    definition: dict[str, Any] | SegmentDefinition | None = None,
) -> Segment:
    """Change a segment's name, description or definition (memberships follow on re-evaluation)."""
    _check(by)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if name is not None:
        name = " ".join(name.split())
        if not name:
            raise ValidationError({"name": "A segment needs a name."})
        segment.name = name[:255]
    if description is not None:
        segment.description = description.strip()
    if definition is not None:
        segment.definition = parse_definition(definition).as_json()
    segment.save()
    return segment


@transaction.atomic
def delete_segment(segment: Segment, *, by: Member | None) -> None:
    """Delete a segment and its memberships."""
    _check(by)
    Segment.objects.filter(pk=segment.pk).delete()


@dataclass(frozen=True)
class MembershipsWritten:
    """What one evaluation changed."""

    members: int
    added: int
    removed: int


@transaction.atomic
def write_memberships(
    segment: Segment, member_ids: Iterable[int], *, evaluated_at: datetime | None = None
) -> MembershipsWritten:
    """Make the segment's memberships exactly `member_ids`: insert the new, delete the gone.

    Only the difference is written (in chunks), so a daily re-evaluation of a stable
    segment costs one read of its member ids. Ids of members that no longer exist (merged
    away, deleted since the snapshot) are ignored.
    """
    wanted = {int(m) for m in member_ids}
    current = set(
        SegmentMembership.objects.filter(segment=segment).values_list("member_id", flat=True)
    )
    to_add = sorted(wanted - current)
    to_remove = sorted(current - wanted)
    if to_add:
        live: set[int] = set()
        for start in range(0, len(to_add), CHUNK):
            chunk = to_add[start : start + CHUNK]
            live.update(Member.active.filter(pk__in=chunk).values_list("pk", flat=True))
        to_add = [m for m in to_add if m in live]
    for start in range(0, len(to_remove), CHUNK):
        SegmentMembership.objects.filter(
            segment=segment, member_id__in=to_remove[start : start + CHUNK]
        ).delete()
    SegmentMembership.objects.bulk_create(
        [SegmentMembership(segment=segment, member_id=m) for m in to_add], batch_size=CHUNK
    )
    count = len(current) - len(to_remove) + len(to_add)
    Segment.objects.filter(pk=segment.pk).update(
        member_count=count, evaluated_at=evaluated_at or timezone.now()
    )
    return MembershipsWritten(members=count, added=len(to_add), removed=len(to_remove))
