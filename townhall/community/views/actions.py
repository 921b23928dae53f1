"""POST targets of the topic page's forms. Each calls one verb. Without JavaScript they
redirect back to the topic; with htmx, likes and votes answer with the updated control
and the rest with the page, of which htmx swaps in the part it targets."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from townhall.community import selectors, services
from townhall.community.forms import IdeaStatusForm, ReplyForm
from townhall.community.models import Like, Reply, Topic, Vote
from townhall.community.views.common import (
    acting_member,
    attempt,
    is_htmx,
    reply_or_404,
    topic_or_404,
)
from townhall.community.views.pages import HELD_MESSAGE
from townhall.core.models import Member


def _back(topic: Topic, anchor: str = "") -> HttpResponse:
    return redirect(f"{topic.get_absolute_url()}{anchor}")


@login_required
@require_POST
def reply_create(request: HttpRequest, topic_id: int) -> HttpResponse:
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        attempt(request, lambda: (_ for _ in ()).throw(ValidationError(form.errors["body"])))
        return _back(topic, "#reply-form")
    reply = attempt(
        request, lambda: services.create_reply(topic, body=form.cleaned_data["body"], by=member)
    )
    if reply is not None and not reply.is_published:
        messages.warning(request, HELD_MESSAGE)
    return _back(topic, f"#reply-{reply.pk}" if reply else "#reply-form")


def _like_response(
    request: HttpRequest, *, liked: bool, count: int, url: str, key: str, label: str
) -> HttpResponse:
    return render(
        request,
        "community/_like.html",
        {"liked": liked, "count": count, "url": url, "key": key, "label": label, "can_like": True},
    )


def _toggle_like(
    request: HttpRequest,
    member: Member,
    content: Topic | Reply,
    *,
    key: str,
    label: str,
    back: HttpResponse,
) -> HttpResponse:
    """Like or unlike a topic or a reply; htmx gets the button back, others the page."""
    field = "topic" if key.startswith("topic-") else "reply"
    liked = Like.objects.filter(member=member, **{field: content}).exists()
    verb = services.unlike if liked else services.like
    count = attempt(request, lambda: verb(content, by=member))
    if is_htmx(request) and count is not None:
        return _like_response(
            request, liked=not liked, count=count, url=request.path, key=key, label=label
        )
    return back


@login_required
@require_POST
def like_topic(request: HttpRequest, topic_id: int) -> HttpResponse:
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    return _toggle_like(
        request, member, topic, key=f"topic-{topic.pk}", label="this topic", back=_back(topic)
    )


@login_required
@require_POST
def like_reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    member = acting_member(request)
    reply = reply_or_404(reply_id, member)
    return _toggle_like(
        request,
        member,
        reply,
        key=f"reply-{reply.pk}",
        label=f"the reply by {reply.author}",
        back=_back(reply.topic, f"#reply-{reply.pk}"),
    )


@login_required
@require_POST
def vote_toggle(request: HttpRequest, topic_id: int) -> HttpResponse:
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    voted = Vote.objects.filter(member=member, topic=topic).exists()
    verb = services.unvote if voted else services.vote
    result = attempt(request, lambda: verb(topic, by=member))
    if is_htmx(request) and result is not None:
        return render(request, "community/_vote.html", {"topic": result, "voted": not voted})
    return _back(topic)


@login_required
@require_POST
def accept(request: HttpRequest, reply_id: int) -> HttpResponse:
    member = acting_member(request)
    reply = reply_or_404(reply_id, member)
    attempt(
        request,
        lambda: services.accept_solution(reply.topic, reply, by=member),
        "Solution accepted.",
    )
    return _back(reply.topic, "#thread")


@login_required
@require_POST
def unaccept(request: HttpRequest, topic_id: int) -> HttpResponse:
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    attempt(request, lambda: services.unaccept_solution(topic, by=member), "Solution withdrawn.")
    return _back(topic, "#thread")


@login_required
@require_POST
def official(request: HttpRequest, reply_id: int) -> HttpResponse:
    member = acting_member(request)
    reply = reply_or_404(reply_id, member)
    if reply.topic.official_reply_id == reply.pk:
        attempt(
            request,
            lambda: services.clear_official_response(reply.topic, by=member),
            "Official response unpinned.",
        )
    else:
        attempt(
            request,
            lambda: services.mark_official_response(reply, by=member),
            "Marked as the official response.",
        )
    return _back(reply.topic, "#thread")


@login_required
@require_POST
def idea_status(request: HttpRequest, topic_id: int) -> HttpResponse:
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    form = IdeaStatusForm(request.POST)
    if not form.is_valid():
        errors = [f"{form.fields[name].label}: {' '.join(e)}" for name, e in form.errors.items()]
        attempt(request, lambda: (_ for _ in ()).throw(ValidationError(errors)))
        return _back(topic, "#idea-status")
    original = None
    if form.cleaned_data.get("duplicate_of"):
        try:
            original = selectors.topic_for(form.cleaned_data["duplicate_of"], member)
        except Topic.DoesNotExist:
            attempt(
                request, lambda: (_ for _ in ()).throw(ValidationError("No idea with that number."))
            )
            return _back(topic, "#idea-status")
    attempt(
        request,
        lambda: services.set_idea_status(
            topic,
            form.cleaned_data["status"],
            comment=form.cleaned_data["comment"],
            by=member,
            duplicate_of=original,
        ),
        "Status changed; voters are notified.",
    )
    return _back(topic)


@login_required
@require_POST
def helpful(request: HttpRequest, topic_id: int) -> HttpResponse:
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    answer = request.POST.get("helpful") == "yes"
    attempt(
        request,
        lambda: services.rate_article(topic, helpful=answer, by=member),
        "Thank you for your feedback.",
    )
    return _back(topic, "#helpful")


@login_required
@require_POST
def promote(request: HttpRequest, topic_id: int) -> HttpResponse:
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    article = attempt(
        request,
        lambda: services.promote_to_article(topic, by=member),
        "The question is now a knowledge-base article.",
    )
    return redirect(article.get_absolute_url()) if article else _back(topic)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    member = acting_member(request)
    with contextlib.suppress(PermissionDenied):
        services.mark_notifications_read(by=member)
    return redirect("community:notifications")
