"""Search, similar questions while typing a title (and opening one from the draft), topic
views and "This solved my problem too". Reads go through `community.search`, which
applies board visibility; writes through the verbs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from townhall.accounts.permissions import member_for
from townhall.community import search, selectors, services
from townhall.community.forms import TopicForm
from townhall.community.models import Board, SolvedToo, Topic, TopicKind
from townhall.community.permissions import can_moderate, is_team
from townhall.community.services.consumption import has_solved_too, viewer_key
from townhall.community.views.common import (
    acting_member,
    attempt,
    board_or_404,
    is_htmx,
    topic_or_404,
)
from townhall.core.models import Member


def _filters(request: HttpRequest) -> search.SearchFilters:
    get = request.GET
    return search.SearchFilters(
        board=get.get("board", "")[:64],
        kind=get.get("kind", "") if get.get("kind") in TopicKind.values else "",
        solved=get.get("solved", "") if get.get("solved") in {"yes", "no"} else "",
        tag=get.get("tag", "")[:50],
        sort="newest" if get.get("sort") == "newest" else "relevance",
    )


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 500))
    except ValueError:
        return 1


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Full-text search over the topics and replies the visitor may read; with htmx the
    results update in place as they type."""
    viewer = member_for(request.user)
    query = request.GET.get("q", "")[: search.QUERY_MAX]
    filters = _filters(request)
    results = search.search(viewer, query, filters, _page_number(request.GET.get("page")))
    context: dict[str, Any] = {"results": results, "filters": filters, "query": query}
    if is_htmx(request):
        return render(request, "community/_search_results.html", context)
    context.update(
        nav="community",
        section="search",
        is_team=is_team(viewer),
        can_moderate=can_moderate(viewer),
        boards=list(selectors.visible_boards(viewer).order_by("position", "name")),
        kinds=TopicKind.choices,
        tags=search.tag_choices(viewer),
    )
    return render(request, "community/search.html", context)


def enable_suggestions(form: TopicForm, board: Board) -> None:
    """Make the title field ask for similar questions while the member types (htmx)."""
    form.fields["title"].widget.attrs.update(
        {
            "hx-get": reverse("community:similar", args=[board.slug]),
            "hx-trigger": "keyup changed delay:300ms",
            "hx-target": "#similar-questions",
            "hx-include": "[name=draft]",
            "hx-sync": "this:replace",
            "autocomplete": "off",
            "aria-controls": "similar-questions",
        }
    )


@login_required
@require_GET
def similar(request: HttpRequest, slug: str) -> HttpResponse:
    """The similar-questions fragment for the new-topic form (empty when none match)."""
    member = acting_member(request)
    board = board_or_404(slug, member)
    questions = search.similar_questions(member, request.GET.get("title", ""))
    return render(
        request,
        "community/_similar.html",
        {"questions": questions, "board": board, "draft": request.GET.get("draft", "")},
    )


@login_required
@require_GET
def open_suggestion(request: HttpRequest, slug: str, topic_id: int) -> HttpResponse:
    """Follow a suggested question from a draft: note it (for the self-service signal),
    then show the question."""
    member = acting_member(request)
    board = board_or_404(slug, member)
    topic = topic_or_404(topic_id, member)
    attempt(
        request,
        lambda: services.open_suggestion(
            request.GET.get("draft", ""), topic, by=member, board=board
        ),
    )
    return redirect(topic.get_absolute_url())


def count_view(request: HttpRequest, topic: Topic, viewer: Member | None) -> None:
    """Count this page view (GET only; bots and the author are left out by the verb)."""
    if request.method != "GET":
        return
    session_key = request.session.session_key or "" if hasattr(request, "session") else ""
    key = viewer_key(
        member=viewer,
        session_key=session_key,
        ip=request.META.get("REMOTE_ADDR", ""),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    services.record_topic_view(
        topic, key=key, member=viewer, user_agent=request.META.get("HTTP_USER_AGENT", "")
    )


def solved_too_context(topic: Topic, viewer: Member | None) -> dict[str, Any]:
    """What the "This solved my problem too" control needs (one query, only when shown)."""
    if not (topic.is_question and topic.solution_id):
        return {"can_solved_too": False, "solved_too": False}
    can = viewer is not None and viewer.pk != topic.author_id
    return {"can_solved_too": can, "solved_too": can and has_solved_too(topic, viewer)}


@login_required
@require_POST
def solved_too(request: HttpRequest, topic_id: int) -> HttpResponse:
    """Toggle "This solved my problem too"; htmx gets the control back, others the page."""
    member = acting_member(request)
    topic = topic_or_404(topic_id, member)
    marked = SolvedToo.objects.filter(member=member, topic=topic).exists()
    verb = services.unmark_solved_too if marked else services.mark_solved_too
    count = attempt(request, lambda: verb(topic, by=member))
    if is_htmx(request) and count is not None:
        topic.solved_too_count = count
        return render(
            request,
            "community/_solved_too.html",
            {"topic": topic, "solved_too": not marked, "can_solved_too": True},
        )
    return redirect(f"{topic.get_absolute_url()}#solved-too")
