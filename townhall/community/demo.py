"""Demo content for the community space: boards of every visibility, questions solved and
not, ideas in every status, discussions, articles and employee answers.

`seed_community(seed)` uses the Members already in the database (the demo community)
and goes through the same verbs members use, so activities, counters, timings and
notifications are all real. Running it again changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from townhall.community import services
from townhall.community.demo_long_tail import seed_long_tail
from townhall.community.demo_moderation import seed_moderation
from townhall.community.models import Board, IdeaStatus, ReputationTotal, TopicKind, Visibility
from townhall.core.models import Member, Role

QUESTIONS = [
    ("How do I rotate an API token without downtime?", "We call the API from three services."),
    ("Webhook retries: how many and how often?", "Our endpoint was down for an hour."),
    ("Export stuck at 99% on large workspaces", "It has been running since yesterday."),
    ("Can I use SSO with Azure AD and Okta at the same time?", "Two business units, two IdPs."),
    ("Rate limits for the bulk endpoint?", "We hit 429 after about 200 calls."),
    ("Best way to model parent/child accounts?", "Holding company with 40 subsidiaries."),
    ("Dashboard shows yesterday's numbers until noon", "Time zone is Europe/Berlin."),
    ("Is there a sandbox environment for testing?", "We do not want to test in production."),
    ("CSV import rejects dates like 03/04/2026", "Which format does it expect?"),
    ("How to downgrade a plan mid-cycle?", "We over-bought seats."),
]
ANSWERS = [
    "Create the new token first, deploy it everywhere, then revoke the old one.",
    "Retries back off exponentially: 1 min, 5 min, 30 min, then every 2 hours for a day.",
    "Large exports run in the background; you get an email with a link when it is done.",
    "Yes: add both identity providers under *Settings → SSO*; each domain maps to one.",
    "The bulk endpoint allows 10 requests per second; batch up to 500 rows a request.",
    "Use one account per subsidiary and link them to a parent account.",
]
IDEAS = [
    ("Dark mode for the dashboard", IdeaStatus.SHIPPED),
    ("Slack notifications for new replies", IdeaStatus.IN_PROGRESS),
    ("Saved filters on reports", IdeaStatus.PLANNED),
    ("A public status page", IdeaStatus.UNDER_REVIEW),
    ("Keyboard shortcuts everywhere", IdeaStatus.NEW),
    ("Blockchain-backed audit log", IdeaStatus.DECLINED),
    ("Night theme for the dashboard", IdeaStatus.DUPLICATE),
]
STATUS_PATH = [
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.SHIPPED,
]
STATUS_NOTES = {
    IdeaStatus.UNDER_REVIEW: "Thanks! The product team is looking at this.",
    IdeaStatus.PLANNED: "This is on the roadmap for next quarter.",
    IdeaStatus.IN_PROGRESS: "We started building it; beta testers wanted.",
    IdeaStatus.SHIPPED: "Shipped in today's release. Thank you for the votes!",
    IdeaStatus.DECLINED: "Not something we will build: a signed export covers this need.",
    IdeaStatus.DUPLICATE: "Merging into the older idea so the votes count together.",
}


@dataclass(frozen=True)
class CommunityDemo:
    boards: int
    topics: int
    replies: int


def _board(name: str, slug: str, **fields: object) -> Board:
    """Boards are set up the way the back office does (validated, no activity)."""
    board, created = Board.objects.get_or_create(slug=slug, defaults={"name": name, **fields})
    if created:
        board.full_clean()
    return board


def _seed_standing(rng: random.Random, customers: list[Member], topics: list) -> None:
    """Follows for a few members, and MVPs among the members with the most points, named by
    a community manager (none in the database: no MVPs)."""
    for topic in topics:
        for person in rng.sample(customers, 3):
            services.follow(topic, by=person)
    manager = (
        Member.active.filter(role__in=[Role.COMMUNITY_MANAGER, Role.ADMIN]).order_by("id").first()
    )
    if manager is None:
        return
    leaders = (
        ReputationTotal.objects.filter(member__in=customers, points__gt=0)
        .order_by("-points", "member_id")
        .select_related("member")[:2]
    )
    reasons = [
        "Answers the hardest API questions, patiently and with examples.",
        "Welcomes every newcomer and shares what they build.",
    ]
    for total, reason in zip(leaders, reasons, strict=False):
        services.grant_mvp(total.member, reason=reason, by=manager)


@transaction.atomic
def seed_community(seed: int = 7, *, long_tail: int = 120) -> CommunityDemo:
    """Fill the community space from the existing members; a no-op when already seeded.

    `long_tail` everyday questions come on top of the showcase threads (fewer in tests).
    """
    if Board.objects.filter(slug="help").exists():
        return CommunityDemo(0, 0, 0)
    rng = random.Random(seed)
    people = list(Member.active.filter(is_bot=False).order_by("id")[:400])
    employees = [m for m in people if m.is_employee] or list(
        Member.active.filter(is_employee=True, is_bot=False)[:10]
    )
    customers = [m for m in people if not m.is_employee]
    if len(customers) < 10 or not employees:
        # Without employees (run `townhall identity employees` first) there is nobody to
        # answer officially or move ideas; seed nothing rather than half a community.
        return CommunityDemo(0, 0, 0)
    now = timezone.now()

    help_board = _board(
        "Help",
        "help",
        description="Ask how to do something.",
        position=1,
        allowed_kinds=["question", "discussion", "article"],
        first_response_hours=8,
    )
    api = _board(
        "API and integrations",
        "api",
        parent=help_board,
        allowed_kinds=["question", "discussion"],
        first_response_hours=24,
    )
    ideas = _board(
        "Ideas",
        "ideas",
        description="Propose and vote on what we build next.",
        allowed_kinds=["idea"],
        position=2,
        first_response_hours=72,
    )
    lounge = _board(
        "Lounge",
        "lounge",
        description="Share what you built.",
        position=3,
        visibility=Visibility.MEMBERS,
        allowed_kinds=["discussion"],
        first_response_hours=None,
    )
    kb = _board(
        "Knowledge base",
        "kb",
        description="Guides written by the team.",
        position=4,
        allowed_kinds=["article"],
        first_response_hours=None,
    )
    staff = _board(
        "Team room",
        "team-room",
        visibility=Visibility.EMPLOYEES,
        position=9,
        allowed_kinds=["discussion", "question"],
        first_response_hours=None,
    )

    topics = replies = 0
    for n, (title, body) in enumerate(QUESTIONS):
        asker = rng.choice(customers)
        asked = now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23))
        board = api if n % 3 == 0 else help_board
        question = services.create_topic(
            board,
            kind=TopicKind.QUESTION,
            title=title,
            body=body,
            by=asker,
            tags=rng.sample(["api", "billing", "sso", "export", "reports"], 2),
            occurred_at=asked,
        )
        topics += 1
        if n >= len(ANSWERS):
            continue  # left unanswered for the team's queues
        helper = rng.choice([c for c in customers if c.pk != asker.pk])
        first = services.create_reply(
            question,
            body=ANSWERS[n],
            by=helper,
            occurred_at=min(asked + timedelta(hours=rng.randint(1, 30)), now - timedelta(hours=2)),
        )
        replies += 1
        if n % 2 == 0:
            staffer = rng.choice(employees)
            official = services.create_reply(
                question,
                body="Confirming from the team: " + ANSWERS[n].lower(),
                by=staffer,
                occurred_at=min(
                    asked + timedelta(hours=rng.randint(31, 60)), now - timedelta(hours=1)
                ),
            )
            services.mark_official_response(official, by=staffer)
            replies += 1
        if n < 4:
            services.accept_solution(
                question,
                first,
                by=asker,
                occurred_at=min(first.created_at + timedelta(hours=2), now),
            )
            services.like(first, by=asker)

    original = None
    for title, status in IDEAS:
        author = rng.choice(customers)
        idea = services.create_topic(
            ideas,
            kind=TopicKind.IDEA,
            title=title,
            body=f"It would help us a lot: {title.lower()}.",
            by=author,
            occurred_at=now - timedelta(days=rng.randint(5, 90)),
        )
        topics += 1
        for voter in rng.sample(customers, min(len(customers), rng.randint(3, 25))):
            services.vote(idea, by=voter)
        staffer = rng.choice(employees)
        path = STATUS_PATH[: STATUS_PATH.index(status) + 1] if status in STATUS_PATH else [status]
        for step in path:
            if step == IdeaStatus.DUPLICATE and original is not None:
                services.set_idea_status(
                    idea, step, comment=STATUS_NOTES[step], by=staffer, duplicate_of=original
                )
            elif step != IdeaStatus.NEW and step != IdeaStatus.DUPLICATE:
                services.set_idea_status(idea, step, comment=STATUS_NOTES[step], by=staffer)
            replies += 1
        if original is None:
            original = idea

    for title in ["Show us your dashboards", "What did you automate this month?"]:
        discussion = services.create_topic(
            lounge,
            kind=TopicKind.DISCUSSION,
            title=title,
            body="Screenshots welcome.",
            by=rng.choice(customers),
            occurred_at=now - timedelta(days=rng.randint(1, 20)),
        )
        topics += 1
        for hour, person in enumerate(rng.sample(customers, 4), start=1):
            # Back-dated like the topic, so the new-member limits (live posts only) stay out.
            shared = services.create_reply(
                discussion,
                body="Here is ours: a weekly report to Slack.",
                by=person,
                occurred_at=discussion.created_at + timedelta(hours=hour),
            )
            replies += 1
            for fan in rng.sample(customers, min(len(customers), rng.randint(1, 8))):
                if fan.pk != person.pk:
                    services.like(shared, by=fan)

    writer = employees[0]
    article = services.create_topic(
        kb,
        kind=TopicKind.ARTICLE,
        title="Getting started in five minutes",
        body="1. Create a workspace\n2. Invite your team\n3. Connect a source",
        by=writer,
    )
    services.edit_article(
        article,
        title=article.title,
        by=writer,
        body="1. Create a workspace\n2. Invite your team\n3. Connect a source\n4. Open the dashboard",
    )
    # Enough "yes" answers for the Helpful writer badge.
    for reader in rng.sample(customers, min(len(customers), 16)):
        services.rate_article(article, helpful=rng.random() < 0.85, by=reader)
    solved = help_board.topics.filter(solution__isnull=False).order_by("pk").first()
    if solved is not None:
        services.promote_to_article(solved, by=writer, board=kb)
        topics += 1
    services.create_topic(
        staff,
        kind=TopicKind.DISCUSSION,
        title="Who covers the weekend queue?",
        body="Rota inside.",
        by=writer,
    )
    topics += 2
    more_topics, more_replies = seed_long_tail(
        rng,
        boards=[help_board, api],
        lounge=lounge,
        customers=customers,
        employees=employees,
        now=now,
        questions=long_tail,
    )
    topics += more_topics
    replies += more_replies
    _seed_standing(rng, customers, list(help_board.topics.all()[:3]))
    seed_moderation(rng, customers)
    return CommunityDemo(boards=Board.objects.count(), topics=topics, replies=replies)
