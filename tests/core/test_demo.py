from collections import Counter
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from townhall.core.demo import DEFAULT_SEED, DemoSize, generate
from townhall.core.demo.people import ascii_fold
from townhall.core.demo.seed import ensure_demo_admin, seed_demo
from townhall.core.models import (
    Activity,
    ActivityKind,
    Identity,
    ImportRun,
    Member,
    Organization,
    Role,
    Source,
)
from townhall.core.services.ingest import FREEMAIL_DOMAINS

END = datetime(2026, 6, 1, tzinfo=UTC)
SMALL = DemoSize(people=150, employees=6, activities=2500)
KINDS = {
    "slack": {"message", "thread_reply", "reaction"},
    "github": {"issue_opened", "pr_opened", "pr_review", "issue_comment", "star", "fork"},
    "forum": {"topic_created", "reply", "like", "solution_accepted"},
    "twitter": {"tweet", "mention", "retweet"},
    "meetup": {"rsvp", "attended"},
}


@pytest.fixture(scope="module")
def default_community():
    return generate(DEFAULT_SEED, end=END)


def test_the_same_seed_generates_the_same_community():
    first, second = generate(7, size=SMALL, end=END), generate(7, size=SMALL, end=END)
    assert msgspec.json.encode(first.records) == msgspec.json.encode(second.records)
    assert [p.name for p in first.people] == [p.name for p in second.people]
    assert msgspec.json.encode(generate(8, size=SMALL, end=END).records) != msgspec.json.encode(
        first.records
    )


def test_the_default_demo_is_big_enough_and_spans_18_months(default_community):
    records = default_community.records
    assert len(default_community.people) >= 2000
    assert len(records) >= 50_000
    assert {r.source for r in records} == set(KINDS)
    for source, kinds in KINDS.items():
        assert {r.kind for r in records if r.source == source} == kinds
    assert records[-1].occurred_at <= END
    assert records[-1].occurred_at - records[0].occurred_at >= timedelta(days=540)
    acting = {(r.source, r.actor.key) for r in records}
    assert len({p.index for p in default_community.people}) >= 2000
    # Every generated account acts at least once, so every person shows up in the data.
    assert all(
        (source, identity.key) in acting
        for person in default_community.people
        for source, identity in person.identities.items()
    )


def test_the_default_demo_has_structure_skew_and_rhythm(default_community):
    records = default_community.records
    with_target = [r for r in records if r.target is not None]
    assert len(with_target) > len(records) / 3
    assert all(r.channel for r in records)
    assert sum(bool(r.title) for r in records) > 3000
    assert sum(bool(r.parent_id) for r in records) > len(records) / 3
    assert all(r.conversation_id for r in records if r.kind in {"thread_reply", "reply"})
    per_identity = Counter((r.source, r.actor.key) for r in records)
    top = sum(n for _, n in per_identity.most_common(len(per_identity) // 100))
    assert top > 0.2 * len(records), "a few superusers do a large share"
    weekdays = Counter(r.occurred_at.weekday() for r in records)
    weekday_mean = sum(weekdays[d] for d in range(5)) / 5
    assert weekday_mean > 1.8 * (weekdays[5] + weekdays[6]) / 2, "quiet weekends"
    months = Counter(r.occurred_at.strftime("%Y-%m") for r in records)
    ordered = [months[m] for m in sorted(months)][1:-1]
    assert sum(ordered[-3:]) > 2 * sum(ordered[:3]), "the community grows"
    assert any(p.left < END - timedelta(days=90) for p in default_community.people), "churn"
    assert any(p.joined > END - timedelta(days=90) for p in default_community.people), "newcomers"


def test_the_default_demo_has_cross_source_people_employees_bots_and_companies(default_community):
    people = default_community.people
    shared_email = [
        p
        for p in people
        if len([i.email for i in p.identities.values() if i.email])  # same address on two sources
        > len({i.email for i in p.identities.values() if i.email})
    ]
    assert len(shared_email) > 200
    # On several sources, yet no email in common: only names and handles can join them.
    name_only = [
        p
        for p in people
        if len(p.identities) >= 2
        and len({i.email for i in p.identities.values() if i.email})
        == len([i.email for i in p.identities.values() if i.email])
    ]
    assert len(name_only) > 200
    spelled_differently = [
        p
        for p in name_only
        if ascii_fold(p.name) != p.name
        and any(i.name and i.name != p.name for i in p.identities.values())
    ]
    assert spelled_differently, "e.g. 'María José García' on Slack, 'Maria Garcia' on meetup"
    assert any(
        i.email and i.email.endswith("@users.noreply.github.com")
        for p in people
        for i in p.identities.values()
    )
    assert len(default_community.employees) >= 10
    assert all(p.work_email.endswith("@quanta.dev") for p in default_community.employees)
    domains = Counter(
        i.email.rsplit("@", 1)[1]
        for p in people
        for i in p.identities.values()
        if i.email and i.email.rsplit("@", 1)[1] not in FREEMAIL_DOMAINS
    )
    assert len(domains) >= 30
    bots = {r.actor.key for r in default_community.records if r.actor.is_bot}
    assert 3 <= len(bots) <= 10


def _snapshot():
    sample = list(
        Activity.objects.order_by("source__slug", "external_id").values_list(
            "source__slug",
            "external_id",
            "kind__slug",
            "occurred_at",
            "member__display_name",
            "target_member__display_name",
            "channel",
            "title",
        )[:: max(1, Activity.objects.count() // 40)]
    )
    counts = [
        model.objects.count()
        for model in (Member, Identity, Activity, Organization, Source, ActivityKind)
    ]
    return counts, sample


def _empty_core_tables():
    Activity.objects.all().delete()
    Identity.objects.all().delete()
    Member.objects.all().delete()
    for model in (Organization, Source, ActivityKind, ImportRun):
        model.objects.all().delete()


def test_seeding_the_same_seed_twice_stores_the_same_rows(db):
    seed_demo(generate(11, size=SMALL, end=END))
    first = _snapshot()
    _empty_core_tables()
    summary = seed_demo(generate(11, size=SMALL, end=END))
    assert _snapshot() == first
    assert summary.activities == first[0][2] >= SMALL.activities
    assert summary.sources == 5


def test_seeding_marks_employees_and_creates_organizations_and_an_admin(db):
    community = generate(3, size=SMALL, end=END)
    summary = seed_demo(community)
    assert summary.employees >= len(community.employees)
    assert Member.objects.filter(is_employee=True, primary_email__endswith="@quanta.dev").exists()
    assert Organization.objects.filter(domain="quanta.dev").exists()
    assert Organization.objects.exclude(domain="quanta.dev").count() >= 5
    assert Member.objects.filter(is_bot=True).exists()
    assert Source.objects.get(slug="forum").name == "Quanta Community Forum"

    login = ensure_demo_admin(community)
    user = get_user_model().objects.get(email=login.email)
    assert user.is_superuser and user.check_password(login.password)
    assert user.member.role == Role.ADMIN and user.member.is_employee
    assert user.member.identities.filter(source__slug="slack").exists()
    assert ensure_demo_admin(community).password != login.password


def test_demo_command_seeds_once_then_leaves_the_data_alone(db, capsys):
    call_command("demo", "--no-serve", "--seed", "5", "--people", "120", "--activities", "1500")
    counts = _snapshot()[0]
    assert counts[2] >= 1500
    call_command("demo", "--no-serve", "--seed", "6", "--people", "120", "--activities", "1500")
    assert _snapshot()[0] == counts
    assert "already in the database" in " ".join(capsys.readouterr().err.split())
