"""Reputation, leaderboards, the member's dashboard, following, and email settings
(including the one-click unsubscribe that needs no login)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.permissions import member_for
from townhall.community import selectors, selectors_reputation, services
from townhall.community.models import Board, EmailMode, ReputationAction, Tag, Topic
from townhall.community.services.badges import BADGES
from townhall.community.services.email import email_mode, member_for_token
from townhall.community.services.reputation import RANKS, points_table
from townhall.community.views.common import acting_member, attempt, board_or_404, topic_or_404
from townhall.community.views.pages import _chrome


@require_GET
def reputation(request: HttpRequest) -> HttpResponse:
    """The published rules: points per action, ranks and thresholds, badges, current MVPs."""
    viewer = member_for(request.user)
    table = points_table()
    points = [(action.label, action.value, table[action.value]) for action in ReputationAction]
    guide = selectors_reputation.reputation_guide()
    return render(
        request,
        "community/reputation.html",
        _chrome(viewer, "reputation", points=points, ranks=RANKS, guide=guide, badges=BADGES),
    )


@require_GET
def leaderboard(request: HttpRequest) -> HttpResponse:
    """Who earned the most points, over 30 days or all time, overall or on one board."""
    viewer = member_for(request.user)
    period = request.GET.get("period", "30d")
    if period not in selectors_reputation.PERIODS:
        period = "30d"
    board = board_or_404(request.GET["board"], viewer) if request.GET.get("board") else None
    rows = selectors_reputation.leaderboard(board=board, days=selectors_reputation.PERIODS[period])
    boards = list(selectors.visible_boards(viewer).order_by("position", "name"))
    return render(
        request,
        "community/leaderboard.html",
        _chrome(viewer, "leaderboard", rows=rows, board=board, boards=boards, period=period),
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """My topics, what I follow, my notifications, my reputation and badges."""
    viewer = acting_member(request)
    data = selectors_reputation.dashboard(viewer)
    return render(request, "community/dashboard.html", _chrome(viewer, "me", data=data))


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request: HttpRequest) -> HttpResponse:
    """Choose: every notification by email right away, a daily digest, or none."""
    viewer = acting_member(request)
    saved = request.method == "POST" and attempt(
        request,
        lambda: services.set_email_mode(request.POST.get("mode", ""), by=viewer),
        "Email settings saved.",
    )
    if saved:
        return redirect("community:email_settings")
    mode = email_mode(viewer)
    return render(
        request,
        "community/email_settings.html",
        _chrome(viewer, "me", mode=mode, modes=EmailMode.choices),
    )


@csrf_exempt  # the signed token is the credential; mail clients POST without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (link scanners must not unsubscribe anyone); POST, from that
    button or a mail client's one-click, turns every community email off."""
    member = member_for_token(token)
    if member is None:
        return render(request, "community/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        try:
            services.unsubscribe(token)
        except ValidationError:
            return render(request, "community/unsubscribe.html", {"invalid": True}, status=400)
        done = True
    return render(
        request, "community/unsubscribe.html", {"member": member, "done": done, "token": token}
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """Follow or unfollow (`follow=0`) a topic (`topic=<id>`), a board (`board=<slug>`) or a
    tag (`tag=<slug>`), then go back where the form was."""
    member = acting_member(request)
    target: Topic | Board | Tag
    if request.POST.get("topic", "").isdigit():
        target = topic_or_404(int(request.POST["topic"]), member)
        label = "this topic"
    elif request.POST.get("board"):
        target = board_or_404(request.POST["board"], member)
        label = target.name
    elif request.POST.get("tag"):
        found = Tag.objects.filter(slug=request.POST["tag"][:50]).first()
        if found is None:
            raise Http404("No such tag.")
        target, label = found, f"the tag {found.name}"
    else:
        raise Http404("Follow what?")
    if request.POST.get("follow", "1") == "0":
        attempt(
            request, lambda: services.unfollow(target, by=member), f"You no longer follow {label}."
        )
    else:
        attempt(request, lambda: services.follow(target, by=member), f"You follow {label}.")
    return _back(request, "community:dashboard")
