"""`seed_demo()`: put the generated demo community into the database, the way imports do.

Every activity goes in through `ingest()` (so the demo exercises the real import
path and its identities, members and organizations are made the way real ones are).
What no import can know is then set directly, as core may: the sources' display
names, who works for the company (`is_employee`), and a demo admin login linked to
the head of community's member record.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from townhall.core.demo import vocabulary as words
from townhall.core.demo.generator import DemoCommunity
from townhall.core.models import Activity, Identity, Member, Organization, Role, Source
from townhall.core.services.ingest import ingest
from townhall.core.services.record import ensure_native_member

ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@example.com"
DEMO_MARK = "demo"  # key in Source.config that marks a seeded demo source


@dataclass(frozen=True)
class DemoSummary:
    """What the database holds after seeding (or finding an earlier seed)."""

    seed: int | None
    members: int
    identities: int
    activities: int
    organizations: int
    sources: int
    employees: int
    bots: int
    seconds: float = 0.0


@dataclass(frozen=True)
class DemoLogin:
    email: str
    username: str
    password: str


def seeded_with() -> int | None:
    """The seed of the demo already in the database, or None when there is none."""
    config = (
        Source.objects.filter(config__has_key=DEMO_MARK).values_list("config", flat=True).first()
    )
    return int(config[DEMO_MARK]["seed"]) if config else None


def holds_other_data() -> bool:
    """True when the database has activities that the demo did not put there."""
    return Activity.objects.exists() and seeded_with() is None


def seed_demo(
    community: DemoCommunity, *, on_progress: Callable[[int], None] | None = None
) -> DemoSummary:
    """Ingest the community's records, then name sources and mark employees; returns counts."""
    started = time.perf_counter()
    ingest(
        community.records,
        origin=f"demo (seed {community.seed})",
        batch_size=5000,
        on_batch=(lambda batch: on_progress(batch.read)) if on_progress else None,
    )
    with transaction.atomic():
        for slug, name in words.SOURCES.items():
            Source.objects.filter(slug=slug).update(
                name=name, connector="demo", config={DEMO_MARK: {"seed": community.seed}}
            )
        _mark_employees(community)
    return summarize(community.seed, seconds=time.perf_counter() - started)


def _mark_employees(community: DemoCommunity) -> None:
    """Flag every account of the company's team; the first few moderate the community."""
    for n, person in enumerate(community.employees):
        role = Role.COMMUNITY_MANAGER if n == 0 else Role.MODERATOR if n < 4 else Role.MEMBER
        for source, identity in person.identities.items():
            Member.objects.filter(
                identities__source__slug=source, identities__external_id=identity.key
            ).update(is_employee=True, role=role)


def summarize(seed: int | None, *, seconds: float = 0.0) -> DemoSummary:
    """Count what the database holds now."""
    return DemoSummary(
        seed=seed,
        members=Member.active.count(),
        identities=Identity.objects.count(),
        activities=Activity.objects.count(),
        organizations=Organization.objects.count(),
        sources=Source.objects.count(),
        employees=Member.active.filter(is_employee=True).count(),
        bots=Member.active.filter(is_bot=True).count(),
        seconds=seconds,
    )


@transaction.atomic
def ensure_demo_admin(community: DemoCommunity | None = None) -> DemoLogin:
    """A superuser to explore the demo with, linked to the head of community as an admin.

    A fresh random password is set on every call (and shown to the person running
    the demo), so no known password is ever left on a demo that gets exposed.
    """
    password = secrets.token_urlsafe(9)
    user_model = get_user_model()
    user = user_model.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user = user_model.objects.create_superuser(ADMIN_USERNAME, ADMIN_EMAIL, password)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    head = community.employees[0] if community and community.employees else None
    if head is not None and not Member.objects.filter(user=user).exists():
        slack = head.identities.get("slack")
        member = (
            Member.objects.filter(
                identities__source__slug="slack", identities__external_id=slack.key
            ).first()
            if slack
            else None
        )
        if member is not None and member.user_id is None:
            Member.objects.filter(pk=member.pk).update(user=user)
    member = ensure_native_member(user, name=head.name if head else "Demo admin")
    Member.objects.filter(pk=member.pk).update(role=Role.ADMIN, is_employee=True)
    return DemoLogin(email=ADMIN_EMAIL, username=ADMIN_USERNAME, password=password)
