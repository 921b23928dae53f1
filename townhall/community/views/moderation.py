"""Moderation pages and actions: the queue, one-click decisions on posts, flags from
readers, the topic controls (lock, pin, move, merge) and bans. Each action calls one verb,
which checks the role; refusals come back as messages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.community import selectors, selectors_moderation, services
from townhall.community.forms_moderation import BanForm, FlagForm
from townhall.community.models import Board, Reply, Topic
from townhall.community.permissions import can_ban, can_moderate
from townhall.community.services.guards import active_ban_for
from townhall.community.views.common import (
    acting_member,
    attempt,
    is_htmx,
    reply_or_404,
    topic_or_404,
)
from townhall.community.views.pages import _chrome
from townhall.core.models import Member


def _next(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back where the moderator came from (the queue or the topic), never off-site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _require_moderator(member: Member) -> None:
    if not can_moderate(member):
        raise PermissionDenied("Moderation is for moderators, community managers and admins.")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Held posts and flagged posts, oldest first, each with its context and the actions."""
    viewer = acting_member(request)
    _require_moderator(viewer)
    data = selectors_moderation.moderation_queue()
    return render(request, "community/moderation.html", _chrome(viewer, "moderation", queue=data))


def _post(kind: str, pk: int, viewer: Member) -> Topic | Reply:
    if kind == "topic":
        return topic_or_404(pk, viewer)
    if kind == "reply":
        return reply_or_404(pk, viewer)
    raise Http404("No such post.")


DECISIONS = {
    "approve": (services.approve, "Approved: the post is published."),
    "hide": (services.hide, "Hidden: only moderators see it now."),
    "delete": (services.delete_post, "Deleted: only moderators see it now."),
    "dismiss": (services.dismiss_flags, "Flags dismissed; the post stays as it is."),
}


@login_required
@require_POST
def decide(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    """One-click decision on a post: approve (restore), hide, delete, dismiss flags."""
    member = acting_member(request)
    _require_moderator(member)
    if action not in DECISIONS:
        raise Http404("No such action.")
    post = _post(kind, pk, member)
    verb, done = DECISIONS[action]
    reason = request.POST.get("reason", "").strip()[:2000]
    if action in {"hide", "delete"} and not reason:
        reason = request.POST.get("preset", "").strip()[:200]
    attempt(request, lambda: verb(post, by=member, reason=reason), done)  # type: ignore[operator]
    topic = post.topic if isinstance(post, Reply) else post
    return _next(request, topic.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def flag(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A reader flags a topic or a reply; GET shows the form (htmx: in place of the
    reply's Flag link; otherwise a page of its own)."""
    member = acting_member(request)
    post = _post(kind, pk, member)
    topic = post.topic if isinstance(post, Reply) else post
    anchor = f"#reply-{post.pk}" if isinstance(post, Reply) else ""
    if request.method == "GET":
        context = {
            "post": post,
            "topic": topic,
            "url": request.path,
            "key": f"{kind}-{post.pk}",
            "label": f"the reply by {post.author}" if isinstance(post, Reply) else "this topic",
            "flag_form": FlagForm(),
            "open": True,
        }
        if is_htmx(request):
            return render(request, "community/_flag.html", context)
        return render(request, "community/flag.html", _chrome(member, **context))
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick what is wrong with the post to flag it.")
    else:
        attempt(
            request,
            lambda: services.flag(
                post, reason=form.cleaned_data["reason"], text=form.cleaned_data["text"], by=member
            ),
            "Thank you: the moderators will look at it.",
        )
    return redirect(f"{topic.get_absolute_url()}{anchor}")


TOPIC_ACTIONS = {
    "lock": (services.lock_topic, "Locked: no new replies."),
    "unlock": (services.unlock_topic, "Unlocked: replies are open again."),
    "pin": (services.pin_topic, "Pinned to the top of its board."),
    "unpin": (services.unpin_topic, "Unpinned."),
}


@login_required
@require_POST
def topic_action(request: HttpRequest, topic_id: int, action: str) -> HttpResponse:
    """Lock, unlock, pin, unpin, move or merge a topic."""
    member = acting_member(request)
    _require_moderator(member)
    topic = topic_or_404(topic_id, member)
    reason = request.POST.get("reason", "").strip()[:2000]
    if action in TOPIC_ACTIONS:
        verb, done = TOPIC_ACTIONS[action]
        attempt(request, lambda: verb(topic, by=member, reason=reason), done)
        return redirect(topic.get_absolute_url())
    if action == "move":
        try:
            board = selectors.board_for(request.POST.get("board", ""), member)
        except Board.DoesNotExist:
            messages.error(request, "Pick the board to move the topic to.")
            return redirect(topic.get_absolute_url())
        attempt(
            request,
            lambda: services.move_topic(topic, board, by=member, reason=reason),
            f"Moved to {board.name}.",
        )
        return redirect(topic.get_absolute_url())
    if action == "merge":
        raw = request.POST.get("into", "").strip().lstrip("#")
        try:
            target = selectors.topic_for(int(raw), member)
        except (ValueError, Topic.DoesNotExist):
            messages.error(request, "No topic with that number: use the number in its address.")
            return redirect(topic.get_absolute_url())
        merged = attempt(
            request,
            lambda: services.merge_topic(topic, target, by=member, reason=reason),
            "Merged: the replies are here now, and the old address leads here.",
        )
        return redirect((merged or topic).get_absolute_url())
    raise Http404("No such action.")


def _member_or_404(member_id: int) -> Member:
    try:
        return Member.active.get(pk=member_id)
    except Member.DoesNotExist:
        raise Http404("No such member.") from None


@login_required
@require_http_methods(["GET", "POST"])
def ban(request: HttpRequest, member_id: int) -> HttpResponse:
    """Ban a member (for a time or for good) or see their bans; moderators and above."""
    moderator = acting_member(request)
    _require_moderator(moderator)
    member = _member_or_404(member_id)
    form = BanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = attempt(
            request,
            lambda: services.ban_member(
                member, reason=form.cleaned_data["reason"], until=form.until(), by=moderator
            ),
            f"{member} is banned.",
        )
        if done is not None:
            return redirect("community:ban", member_id=member.pk)
    context = _chrome(
        moderator,
        "moderation",
        member=member,
        form=form,
        current=active_ban_for(member),
        bans=selectors_moderation.bans_of(member),
        may_ban=can_ban(moderator, member),
    )
    return render(request, "community/ban.html", context)


@login_required
@require_POST
def unban(request: HttpRequest, member_id: int) -> HttpResponse:
    moderator = acting_member(request)
    _require_moderator(moderator)
    member = _member_or_404(member_id)
    attempt(
        request,
        lambda: services.unban_member(
            member, by=moderator, reason=request.POST.get("reason", "")[:2000]
        ),
        f"The ban on {member} is lifted.",
    )
    return _next(request, f"/community/members/{member.pk}/ban/")
