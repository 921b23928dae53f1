"""Moderation in the demo: a pinned question, a locked discussion, a reader's flag and a
post the spam check holds, so the queue and the topic controls have something to show.
Runs at the end of `seed_community`, through the verbs, when a moderator exists."""

from __future__ import annotations

import random

from django.core.exceptions import PermissionDenied, ValidationError

from townhall.community.models import ModerationState, Topic, TopicKind
from townhall.community.services import create_reply, flag, hide, lock_topic, pin_topic
from townhall.core.models import ROLE_RANK, Member, Role

SPAM_REPLY = "Best casino bonus, free money for everyone: https://casino-bonus.example"


def seed_moderation(rng: random.Random, customers: list[Member]) -> int:
    """Seed the examples; returns how many moderation actions it took (0: no moderator)."""
    moderator = next(
        (
            m
            for m in Member.active.filter(is_bot=False).order_by("id")
            if ROLE_RANK[Role(m.role)] >= ROLE_RANK[Role.MODERATOR]
        ),
        None,
    )
    if moderator is None or len(customers) < 3:
        return 0
    actions = 0
    question = Topic.objects.filter(kind=TopicKind.QUESTION, solution__isnull=False).first()
    if question is not None:
        pin_topic(question, by=moderator, reason="The most asked question")
        actions += 1
    discussion = Topic.objects.filter(kind=TopicKind.DISCUSSION, board__slug="lounge").first()
    if discussion is not None:
        lock_topic(discussion, by=moderator, reason="The thread ran its course")
        actions += 1
        reply = discussion.replies.exclude(author=discussion.author).first()
        reporter = next(
            (c for c in customers if reply is not None and c.pk != reply.author_id), None
        )
        if reply is not None and reporter is not None:
            flag(reply, reason="off_topic", text="Not about dashboards", by=reporter)
            actions += 1
    target = Topic.objects.filter(kind=TopicKind.QUESTION, solution__isnull=True).first()
    spammer = rng.choice(customers)
    if target is not None:
        try:
            # A live post: the spam check holds it when it is on; otherwise a moderator
            # takes it down, so the demo never publishes spam.
            reply = create_reply(target, body=SPAM_REPLY, by=spammer)
        except (PermissionDenied, ValidationError):
            return actions  # the spammer hit a first-day limit: nothing to show
        if reply.moderation != ModerationState.HELD:
            hide(reply, reason="Spam", by=moderator)
        actions += 1
    return actions
