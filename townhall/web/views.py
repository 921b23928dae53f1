"""Server-rendered pages: the community at a glance, the member directory, profiles, organizations.

Every page works without JavaScript; with htmx, the directory searches as you type
and the timeline loads more in place. An htmx request gets only the fragment it
swaps (the same template the full page includes), a plain request the whole page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from townhall.accounts.permissions import (
    can_see_contact_details,
    can_set_roles,
    member_for,
)
from townhall.accounts.services import set_role
from townhall.core import selectors
from townhall.core.extensions import profile_sections
from townhall.core.models import Member, MemberChannelScore, MemberScore, Organization, Role


def _wants_fragment(request: HttpRequest) -> bool:
    """An htmx swap wants the fragment; a history restore (back button) wants the page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _render(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any]
) -> HttpResponse:
    response = render(request, fragment if _wants_fragment(request) else page, context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The community at a glance: counts, sources, the last 30 days, who and which companies."""
    overview = selectors.community_overview()
    return render(request, "web/home.html", {"overview": overview, "nav": "home"})


@require_GET
@login_required
def member_directory(request: HttpRequest) -> HttpResponse:
    """Everyone in the community, searchable by name, email or handle, 50 a page."""
    include_email = can_see_contact_details(request.user)
    q = request.GET.get("q", "").strip()[:200]
    source = request.GET.get("source", "").strip()[:64]
    organization_id = _int_or_none(request.GET.get("organization"))
    page = selectors.member_directory(
        q=q,
        source=source,
        organization_id=organization_id,
        include_email=include_email,
        page=request.GET.get("page"),
    )
    context: dict[str, Any] = {
        "nav": "members",
        "page": page,
        "q": q,
        "source": source,
        "organization_id": organization_id,
        "show_email": include_email,
        "filtered": bool(q or source or organization_id),
    }
    if not _wants_fragment(request):
        context["sources"] = selectors.source_choices()
        context["organizations"] = selectors.organization_choices(selected=organization_id)
    return _render(request, "web/members/directory.html", "web/members/results.html", context)


@require_GET
@login_required
def member_profile(request: HttpRequest, member_id: int) -> HttpResponse:
    """Who a member is, where they take part, and what they did, newest first."""
    try:
        member = selectors.profile_member(member_id)
    except Member.DoesNotExist:
        raise Http404("No member with this id.") from None
    if member.merged_into_id is not None:
        # Temporary (302): an unmerge brings the old address back to life.
        return redirect("member", member_id=selectors.final_member(member).pk)

    before = request.GET.get("before", "")
    timeline = selectors.member_timeline(member, before=before)
    if _wants_fragment(request):
        fragment: dict[str, Any] = {"member": member, "timeline": timeline, "appended": True}
        return _render(
            request, "web/members/profile.html", "web/members/timeline_items.html", fragment
        )
    profile = selectors.member_profile(member)
    viewer = member_for(request.user)
    # Two small queries: the stored score and per-source scores (written by `townhall analyze`).
    score = MemberScore.objects.filter(member=profile.member).first()
    channel_scores = list(
        MemberChannelScore.objects.filter(member=profile.member).order_by("-score", "source")
    )
    context: dict[str, Any] = {
        "nav": "members",
        "profile": profile,
        "member": profile.member,
        "timeline": timeline,
        "older_page": bool(before),
        "show_email": can_see_contact_details(request.user),
        "can_set_roles": can_set_roles(request.user),
        "roles": Role.choices,
        "is_viewer": viewer is not None and viewer.pk == profile.member.pk,
        "extra_sections": profile_sections(profile.member, viewer),
        "score": score,
        "channel_scores": channel_scores,
    }
    return _render(request, "web/members/profile.html", "web/members/timeline_items.html", context)


@require_POST
@login_required
def member_set_role(request: HttpRequest, member_id: int) -> HttpResponse:
    """Change a member's role (admins only; the service checks, not just this page)."""
    try:
        member = Member.objects.get(pk=member_id)
    except Member.DoesNotExist:
        raise Http404("No member with this id.") from None
    role = request.POST.get("role", "")
    # PermissionDenied propagates: Django answers 403.
    try:
        member = set_role(member, role, by=request.user)
    except ValueError:
        messages.error(request, f"“{role}” is not a role. Pick one from the list.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{member} is now {member.get_role_display().lower()}.")
    return HttpResponseRedirect(reverse("member", kwargs={"member_id": member_id}))


@require_GET
@login_required
def organization_directory(request: HttpRequest) -> HttpResponse:
    """Organizations people belong to, biggest first, searchable by name or domain."""
    q = request.GET.get("q", "").strip()[:200]
    page = selectors.organization_directory(q=q, page=request.GET.get("page"))
    context = {"nav": "organizations", "page": page, "q": q, "filtered": bool(q)}
    return _render(
        request, "web/organizations/directory.html", "web/organizations/results.html", context
    )


@require_GET
@login_required
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    """One organization: its members and what they did lately."""
    try:
        data = selectors.organization_page(organization_id, page=request.GET.get("page"))
    except Organization.DoesNotExist:
        raise Http404("No organization with this id.") from None
    context = {
        "nav": "organizations",
        "organization": data.organization,
        "page": data.members,
        "recent": data.recent,
        "show_email": can_see_contact_details(request.user),
    }
    return render(request, "web/organizations/detail.html", context)
