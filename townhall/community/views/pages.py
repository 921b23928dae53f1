"""Community pages: the board index, a board, a topic, the new-topic form, the team's
queues and the member's notifications. Every read goes through the selectors, which
apply board visibility."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts.permissions import member_for
from townhall.community import (
    board_cache,
    fragments,
    pagecache,
    quoting,
    selectors,
    selectors_moderation,
    services,
    topic_cache,
)
from townhall.community.forms import ArticleForm, IdeaStatusForm, ReplyForm, TopicForm
from townhall.community.forms_moderation import FlagForm
from townhall.community.models import (
    Board,
    IdeaStatus,
    Subscription,
    Topic,
    TopicKind,
    duration_text,
)
from townhall.community.permissions import (
    can_accept_solution,
    can_edit_article,
    can_edit_reply,
    can_moderate,
    can_set_idea_status,
    is_team,
)
from townhall.community.services.deflection import new_draft_token
from townhall.community.views import search as signals
from townhall.community.views.common import (
    acting_member,
    board_or_404,
    reply_or_404,
    topic_or_404,
)

HELD_MESSAGE = (
    "Held for review: a moderator will look at your post soon. Until then only you "
    "and the moderators can see it."
)


def _chrome(viewer: Any, section: str = "boards", **context: Any) -> dict[str, Any]:
    """Context every community page has: the nav item, the team flags (the unread count
    comes from the `community_unread` context processor, shared with the header's bell)."""
    return {
        "nav": "community",
        "section": section,
        "is_team": is_team(viewer),
        "can_moderate": can_moderate(viewer),
        **context,
    }


@require_GET
def board_index(request: HttpRequest) -> HttpResponse:
    """Every board the visitor may read, with sub-boards and topic counts."""
    viewer = member_for(request.user)
    return render(
        request, "community/index.html", _chrome(viewer, entries=selectors.board_index(viewer))
    )


@require_GET
def board_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A board's topics, filtered by kind, solved state, idea status and tag, 25 a page."""
    viewer = member_for(request.user)
    board = board_or_404(slug, viewer)
    kinds = {k.value for k in TopicKind}
    filters = selectors.TopicFilters(
        kind=request.GET.get("kind", "") if request.GET.get("kind") in kinds else "",
        solved=request.GET.get("solved", "") if request.GET.get("solved") in {"yes", "no"} else "",
        tag=request.GET.get("tag", "")[:50],
        idea_status=request.GET.get("status", "")
        if request.GET.get("status") in IdeaStatus.values
        else "",
    )

    @cache
    def children() -> list[Board]:
        return list(selectors.visible_boards(viewer).filter(parent=board))

    def context_for(tag_slugs: list[str]) -> dict[str, Any]:
        """What the page's personal parts need (and a member's skeleton lacks)."""
        tag_followed = None  # only asked when filtering by a tag of this board
        if viewer is not None and filters.tag and filters.tag in tag_slugs:
            tag_followed = Subscription.objects.filter(
                member=viewer, tag__slug=filters.tag
            ).exists()
        return _chrome(
            viewer, board=board, filters=filters, tag_followed=tag_followed, tag_slugs=tag_slugs
        )

    def full_context() -> dict[str, Any]:
        tags = selectors.board_tags(board)
        return {
            **context_for([tag.slug for tag in tags]),
            "page": selectors.board_topics(board, viewer, filters, request.GET.get("page")),
            "kinds": board.allowed_kind_choices,
            "statuses": IdeaStatus.choices,
            "tags": tags,
            "children": children(),
        }

    def render_page() -> HttpResponse:
        return render(request, "community/board.html", full_context())

    parent_version = board.parent.cache_version if board.parent else ""
    # The page shows the board, its sub-boards' topics and its parent's name: a change to
    # any of them bumps this board's or the parent's version.
    key = ("board", board.pk, board.cache_version, parent_version, filters, request.GET.get("page"))
    if viewer is not None and topic_cache.usable(request, viewer):
        member_key = board_cache.key_for(board, key, viewer, request.user, children())
        if member_key:
            entry = board_cache.load(member_key)
            if entry is None:
                return board_cache.render_and_keep(request, member_key, full_context())
            return board_cache.serve(request, entry, context_for(entry.tag_slugs))
    return pagecache.anonymous_page(request, key, render_page)


@require_GET
def topic_page(request: HttpRequest, topic_id: int) -> HttpResponse:
    """A topic: its status above the fold, the solution and official response pinned
    under it, then every reply, and the reply form."""
    viewer = member_for(request.user)
    if viewer is None and pagecache.cacheable(request):
        # One small query decides between the cached page and a render: the versions of
        # the topic and its boards, if a signed-out visitor may read the topic.
        try:
            versions = selectors.topic_versions(topic_id, None)
        except Topic.DoesNotExist:
            raise Http404("No such topic.") from None
        response = pagecache.anonymous_page(
            request,
            ("topic", topic_id, *versions),
            lambda: _render_topic(request, topic_or_404(topic_id, None), None, count=False),
        )
        # Every visit counts, cached or not (the count shown may lag until the page is
        # rendered again: views do not invalidate pages).
        if response.status_code == 200:
            signals.count_view(request, Topic(pk=topic_id), None)
        return response
    # `?quote=` pre-fills this member's reply box: their page alone, never a skeleton.
    if viewer is not None and topic_cache.usable(request, viewer) and "quote" not in request.GET:
        return _member_topic(request, topic_id, viewer)
    return _render_topic(request, topic_or_404(topic_id, viewer), viewer)


@login_required
@require_GET
def quote(request: HttpRequest, topic_id: int) -> HttpResponse:
    """The Quote button's source (`?post=<reply id>` or `?post=topic`): the attribution
    line and the whole quote as Markdown, as JSON; 404 for a post that may not be quoted
    (not published, another topic's, or on a topic the member cannot read)."""
    topic = topic_or_404(topic_id, acting_member(request))
    found = quoting.quote_for(topic, request.GET.get("post", ""))
    if found is None:
        raise Http404("This post cannot be quoted.")
    return JsonResponse(
        {"post": found.post, "attribution": found.attribution, "markdown": found.markdown}
    )


def _member_topic(request: HttpRequest, topic_id: int, viewer: Any) -> HttpResponse:
    """A signed-in member's topic page, from the skeleton shared by members with the same
    rights when there is one (townhall/community/topic_cache.py)."""
    try:
        state = selectors.viewer_topic_state(topic_id, viewer)
    except Topic.DoesNotExist:
        raise Http404("No such topic.") from None
    if state.merged_into_id is not None:
        return redirect(f"/community/t/{state.merged_into_id}/")
    key = topic_cache.key_for(topic_id, state, viewer, request.user)
    entry = topic_cache.load(key) if key else None
    if entry is None:
        return _render_topic(request, topic_or_404(topic_id, viewer), viewer, keep_as=key)
    signals.count_view(request, entry.topic, viewer)
    return topic_cache.serve(request, entry, state, viewer)


def _render_topic(
    request: HttpRequest,
    topic: Any,
    viewer: Any,
    *,
    count: bool = True,
    keep_as: str | None = None,
) -> HttpResponse:
    if topic.merged_into_id is not None:  # a merged topic's address leads to where it went
        return redirect(f"/community/t/{topic.merged_into_id}/")
    data = selectors.topic_page(topic, viewer)
    team = is_team(viewer)
    if count:
        signals.count_view(request, topic, viewer)
    moderating = can_moderate(viewer)
    can_reply = viewer is not None and (not topic.is_locked or moderating)
    quoted = request.GET.get("quote", "") if can_reply else ""
    quote = quoting.quote_for(topic, quoted[:20]) if quoted else None
    flag_counts = selectors_moderation.open_flag_counts(topic) if moderating else {}
    for reply in data.replies:
        reply.open_flags = flag_counts.get(f"reply-{reply.pk}", 0)  # type: ignore[attr-defined]
    context = _chrome(
        viewer,
        topic=topic,
        data=data,
        board=topic.board,
        reply_form=ReplyForm(initial={"body": quote.markdown} if quote else None)
        if can_reply
        else None,
        can_reply=can_reply,
        quote_refused=bool(quoted) and quote is None,
        flag_form=FlagForm() if viewer else None,
        topic_flags=flag_counts.get("topic", 0),
        move_boards=[
            b
            for b in selectors.boards_allowing(topic.kind, viewer)
            if moderating and b.pk != topic.board_id
        ]
        if moderating
        else [],
        can_accept=can_accept_solution(topic, viewer),
        can_set_status=topic.is_idea and can_set_idea_status(viewer),
        status_form=IdeaStatusForm(initial={"status": topic.idea_status})
        if topic.is_idea and team
        else None,
        can_edit_article=can_edit_article(topic, viewer),
        can_promote=topic.is_solved and team and not data.promoted_to,
        viewer_id=viewer.pk if viewer else None,
        topic_likeable=viewer is not None and topic.author_id != viewer.pk,
        is_moderator=viewer is not None and viewer.is_staff_role,
        time_to_first_reply=duration_text(topic.time_to_first_reply),
        time_to_solution=duration_text(topic.time_to_solution),
        **signals.solved_too_context(topic, viewer),
    )
    if keep_as:
        return topic_cache.render_and_keep(request, keep_as, context, data.replies)
    context["replies_html"] = fragments.render_replies(request, data.replies, context)
    return render(request, "community/topic.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_topic(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a topic: only the kinds the board allows (and articles only for the team)."""
    member = acting_member(request)
    board = board_or_404(slug, member)
    form = TopicForm(
        request.POST or None,
        board=board,
        member=member,
        initial={"kind": request.GET.get("kind", "")},
    )
    if not form.fields["kind"].choices:
        raise PermissionDenied("You cannot start a topic on this board.")
    signals.enable_suggestions(form, board)
    draft = request.POST.get("draft") or new_draft_token(member)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.create_topic(
                board,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                tags=form.tag_names(),
                by=member,
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            services.close_draft(draft, by=member, topic=topic)
            if topic.is_held:
                messages.warning(request, HELD_MESSAGE)
            else:
                messages.success(request, "Posted.")
            return redirect(topic.get_absolute_url())
    return render(
        request, "community/new_topic.html", _chrome(member, board=board, form=form, draft=draft)
    )


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The team's queues: overdue first responses, unanswered topics, unsolved questions."""
    viewer = acting_member(request)
    if not is_team(viewer):
        raise PermissionDenied("The queues are for employees and moderators.")
    tab = request.GET.get("tab", "overdue")
    if tab not in {"overdue", "unanswered", "unsolved"}:
        tab = "overdue"
    rows = {
        "overdue": selectors.overdue,
        "unanswered": selectors.unanswered,
        "unsolved": selectors.unsolved,
    }[tab](viewer)
    page = Paginator(rows, selectors.QUEUE_SIZE).get_page(request.GET.get("page"))
    return render(request, "community/queue.html", _chrome(viewer, "queue", tab=tab, page=page))


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """The member's notices about topics they can still read, newest first."""
    viewer = acting_member(request)
    page = Paginator(selectors.notifications_for(viewer), 30).get_page(request.GET.get("page"))
    return render(
        request, "community/notifications.html", _chrome(viewer, "notifications", page=page)
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_edit(request: HttpRequest, reply_id: int) -> HttpResponse:
    member = acting_member(request)
    reply = reply_or_404(reply_id, member)
    if not can_edit_reply(reply, member):
        raise PermissionDenied("Only the author or a moderator can edit this reply.")
    form = ReplyForm(request.POST or None, initial={"body": reply.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_reply(reply, body=form.cleaned_data["body"], by=member)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, "Reply updated.")
            return redirect(f"{reply.topic.get_absolute_url()}#reply-{reply.pk}")
    return render(request, "community/reply_edit.html", _chrome(member, reply=reply, form=form))


@require_GET
def reply_history(request: HttpRequest, reply_id: int) -> HttpResponse:
    viewer = member_for(request.user)
    reply = reply_or_404(reply_id, viewer)
    return render(
        request,
        "community/reply_history.html",
        _chrome(viewer, reply=reply, revisions=list(reply.revisions.select_related("edited_by"))),
    )


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, topic_id: int) -> HttpResponse:
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    if not can_edit_article(topic, member):
        raise PermissionDenied("Only the author and the team edit articles.")
    form = ArticleForm(request.POST or None, initial={"title": topic.title, "body": topic.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_article(topic, by=member, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, "Article saved as a new revision.")
            return redirect(topic.get_absolute_url())
    return render(request, "community/article_edit.html", _chrome(member, topic=topic, form=form))


@require_GET
def article_revisions(request: HttpRequest, topic_id: int) -> HttpResponse:
    viewer = member_for(request.user)
    topic = topic_or_404(topic_id, viewer)
    revisions = list(topic.revisions.select_related("edited_by"))
    return render(
        request,
        "community/article_revisions.html",
        _chrome(viewer, topic=topic, revisions=revisions),
    )
