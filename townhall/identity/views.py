"""The review queue: pairs that may be one person, decided by community managers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from townhall.core.models import Member
from townhall.core.services import MergeRefused
from townhall.identity.models import MergeSuggestion
from townhall.identity.selectors import pending_suggestions, side_of
from townhall.identity.services import accept_suggestion, can_review, reject_suggestion


def _reviewer(request: HttpRequest) -> Member:
    if not request.user.is_authenticated:
        raise PermissionDenied("Sign in to review identity suggestions.")
    member = Member.objects.filter(user=request.user).select_related("user").first()
    if not can_review(member):
        raise PermissionDenied("Only community managers and admins review identity suggestions.")
    assert member is not None
    return member


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    page = Paginator(pending_suggestions(), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "identity/queue.html",
        {"page": page, "total": page.paginator.count, "nav": "identity"},
    )


@login_required
def review_detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    _reviewer(request)
    suggestion = get_object_or_404(
        MergeSuggestion.objects.select_related("member_low", "member_high"), pk=suggestion_id
    )
    context = {
        "suggestion": suggestion,
        "sides": [side_of(suggestion.member_low), side_of(suggestion.member_high)],
    }
    return render(request, "identity/detail.html", context)


@login_required
@require_POST
def review_decide(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
    suggestion = get_object_or_404(
        MergeSuggestion, pk=suggestion_id, status=MergeSuggestion.Status.PENDING
    )
    decision = request.POST.get("decision")
    try:
        if decision == "merge":
            accept_suggestion(suggestion, by=reviewer)
            messages.success(
                request,
                f"Merged {suggestion.member_high} into {suggestion.member_low}. It can be undone from the merge history.",
            )
        elif decision == "different":
            reject_suggestion(suggestion, by=reviewer)
            messages.success(
                request,
                f"Recorded that {suggestion.member_low} and {suggestion.member_high} are different people.",
            )
        else:
            messages.error(request, "Choose “Same person” or “Different people”.")
            return redirect("identity:detail", suggestion_id)
    except MergeRefused as refusal:
        messages.error(request, f"Could not merge: {refusal}.")
        return redirect("identity:detail", suggestion_id)
    following = pending_suggestions().first()
    return redirect("identity:detail", following.pk) if following else redirect("identity:queue")
