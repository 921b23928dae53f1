"""Knowledge-base articles: revisions, "Was this helpful?", and promoting a solved question."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from townhall.community.models import (
    ArticleFeedback,
    ArticleRevision,
    Board,
    Topic,
    TopicKind,
)
from townhall.community.pagecache import topic_changed
from townhall.community.permissions import can_edit_article, is_team
from townhall.community.selectors import visible_boards
from townhall.community.services._common import (
    active_member,
    clean_body,
    record,
    render_with_mentions,
    require_visible,
)
from townhall.community.services.guards import require_not_banned
from townhall.community.services.reputation import sync_reputation
from townhall.community.services.topics import clean_title, create_topic
from townhall.core.models import Member


@transaction.atomic
def edit_article(topic: Topic, *, title: str, body: str, by: Member) -> ArticleRevision:
    """Save a new version of an article (its author or the team); every version is kept.
    Banned members cannot edit."""
    by = active_member(by)
    require_not_banned(by)
    require_visible(topic, by)
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("board", "board__parent")
        .get(pk=topic.pk)
    )
    if topic.kind != TopicKind.ARTICLE:
        raise ValidationError("Only articles have revisions.")
    if not can_edit_article(topic, by):
        raise PermissionDenied("Only the author and the team edit articles.")
    title = clean_title(title)
    body = clean_body(body, what="The article")
    number = (topic.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = ArticleRevision.objects.create(
        topic=topic, number=number, title=title, body=body, edited_by=by
    )
    html, _ = render_with_mentions(body)
    topic.title, topic.body, topic.body_html = title, body, html
    topic.updated_at = topic.last_activity_at = revision.created_at
    topic.save(update_fields=["title", "body", "body_html", "updated_at", "last_activity_at"])
    record(by, "article_revision", f"article_revision:{revision.pk}", topic, target=topic.author)
    topic_changed(topic)
    return revision


@transaction.atomic
def rate_article(topic: Topic, *, helpful: bool, by: Member) -> Topic:
    """Answer "Was this helpful?" for an article; answering again changes the answer
    (not for banned members)."""
    by = active_member(by)
    require_not_banned(by)
    require_visible(topic, by)
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("board", "author")
        .get(pk=topic.pk)
    )
    if topic.kind != TopicKind.ARTICLE:
        raise ValidationError("Only articles ask whether they were helpful.")
    ArticleFeedback.objects.update_or_create(
        member=by, topic=topic, defaults={"helpful": helpful, "created_at": timezone.now()}
    )
    counts = topic.feedback.aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    topic.helpful_yes, topic.helpful_no = counts["yes"], counts["no"]
    topic.save(update_fields=["helpful_yes", "helpful_no"])
    record(
        by,
        "article_feedback",
        f"helpful:{topic.pk}:{by.pk}",
        topic,
        target=topic.author,
        properties={"helpful": helpful},
    )
    sync_reputation([topic.pk])
    topic_changed(topic, listing=False)
    return topic


@transaction.atomic
def promote_to_article(question: Topic, *, by: Member, board: Board | None = None) -> Topic:
    """Turn a solved question into a knowledge-base article (the team only).

    The article quotes the question and its accepted solution and links back to it;
    promoting twice returns the first article.
    """
    by = active_member(by)
    require_visible(question, by)
    if not is_team(by):
        raise PermissionDenied("Only employees and moderators write knowledge-base articles.")
    question = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("board", "solution", "solution__author")
        .get(pk=question.pk)
    )
    if question.kind != TopicKind.QUESTION or question.solution is None:
        raise ValidationError("Only a solved question can become an article.")
    existing = question.promoted_to.order_by("pk").first()
    if existing is not None:
        return existing
    target = board or question.board
    if not target.allows(TopicKind.ARTICLE):
        raise ValidationError(f"{target.name} does not take articles; pick a board that does.")
    if not visible_boards(by).filter(pk=target.pk).exists():
        raise PermissionDenied("You cannot post on that board.")
    solution = question.solution
    body = (
        f"{question.body}\n\n## Solution\n\n{solution.body}\n\n"
        f"*From the question [{question.title}]({question.get_absolute_url()}), "
        f"answered by {solution.author}.*"
    ).strip()
    article = create_topic(
        target,
        kind=TopicKind.ARTICLE,
        title=question.title,
        body=body[:50_000],
        by=by,
        tags=list(question.tags.values_list("name", flat=True)),
    )
    article.promoted_from = question
    article.save(update_fields=["promoted_from"])
    topic_changed(question, listing=False)  # its page links to the article now
    return article
