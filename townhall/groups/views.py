"""Group pages: the directory, a group with its members and boards, and the forms to get in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.permissions import member_for
from townhall.accounts.services import attach_member
from townhall.core.models import Member
from townhall.groups import selectors, services
from townhall.groups.extensions import group_sections
from townhall.groups.forms import GroupForm, InviteForm
from townhall.groups.models import Group, Invitation, JoinRequest
from townhall.groups.permissions import can_create_group, can_manage_group


def acting_member(request: HttpRequest) -> Member:
    """The signed-in person's Member, created for logins that have none yet."""
    member = member_for(request.user)
    if member is None:
        member = attach_member(request.user)  # type: ignore[arg-type]
    assert isinstance(member, Member)
    return member


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run a verb; show its refusal as an error message instead of a crash."""
    try:
        action()
    except (PermissionDenied, ValidationError) as error:
        text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text or "You cannot do that here.")
        return False
    messages.success(request, success)
    return True


def _group(slug: str, viewer: Member | None) -> Group:
    try:
        return selectors.visible_group(slug, viewer)
    except Group.DoesNotExist:
        raise Http404("No such group.") from None


@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    """Every group the visitor may know about, with their own invitations on top."""
    viewer = member_for(request.user)
    context = {
        "nav": "groups",
        "groups": selectors.group_directory(viewer),
        "my_group_ids": set(selectors.group_ids_of(viewer)),
        "invitations": selectors.my_invitations(viewer),
        "can_create": can_create_group(viewer),
    }
    return render(request, "groups/list.html", context)


@require_GET
def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A group: what it is, who is in it, its boards, and the way in (or out)."""
    viewer = member_for(request.user)
    group = _group(slug, viewer)
    membership = selectors.membership_of(group, viewer)
    manages = can_manage_group(group, viewer)
    context = {
        "nav": "groups",
        "group": group,
        "membership": membership,
        "memberships": selectors.group_memberships(group),
        "manages": manages,
        "requests": selectors.pending_requests(group) if manages else [],
        "my_request": selectors.pending_request_of(group, viewer),
        "my_invitation": selectors.pending_invitation_of(group, viewer),
        "sections": group_sections(group.pk, viewer),
        "invite_form": InviteForm() if manages else None,
    }
    return render(request, "groups/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: HttpRequest) -> HttpResponse:
    """Create a group (community managers and admins)."""
    member = acting_member(request)
    if not can_create_group(member):
        raise PermissionDenied("Only community managers and admins create groups.")
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(by=member, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Group “{group.name}” created; you are its admin.")
            return redirect("groups:detail", slug=group.slug)
    return render(request, "groups/new.html", {"nav": "groups", "form": form})


@login_required
@require_POST
def group_join(request: HttpRequest, slug: str) -> HttpResponse:
    member = acting_member(request)
    group = _group(slug, member)
    _attempt(request, lambda: services.join_group(group, by=member), f"Welcome to {group.name}.")
    return redirect("groups:detail", slug=group.slug)


@login_required
@require_POST
def group_leave(request: HttpRequest, slug: str) -> HttpResponse:
    member = acting_member(request)
    group = _group(slug, member)
    _attempt(request, lambda: services.leave_group(group, by=member), f"You left {group.name}.")
    if selectors.visible_groups(member).filter(pk=group.pk).exists():
        return redirect("groups:detail", slug=group.slug)
    return redirect("groups:list")


@login_required
@require_POST
def group_request(request: HttpRequest, slug: str) -> HttpResponse:
    member = acting_member(request)
    group = _group(slug, member)
    message = request.POST.get("message", "")
    _attempt(
        request,
        lambda: services.request_to_join(group, by=member, message=message),
        "Request sent: a group admin will decide.",
    )
    return redirect("groups:detail", slug=group.slug)


@login_required
@require_POST
def request_decide(request: HttpRequest, slug: str, request_id: int, decision: str) -> HttpResponse:
    member = acting_member(request)
    group = _group(slug, member)
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("member"), pk=request_id, group=group
    )
    if decision == "approve":
        _attempt(
            request,
            lambda: services.approve_request(join_request, by=member),
            f"{join_request.member} is now a member.",
        )
    else:
        _attempt(
            request,
            lambda: services.decline_request(join_request, by=member),
            f"Request from {join_request.member} declined.",
        )
    return redirect("groups:detail", slug=group.slug)


def _find_member(text: str) -> Member | None:
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return Member.active.filter(pk=int(text)).first()
    matches = list(
        Member.active.filter(Q(primary_email__iexact=text) | Q(display_name__iexact=text))[:2]
    )
    return matches[0] if len(matches) == 1 else None


@login_required
@require_POST
def group_invite(request: HttpRequest, slug: str) -> HttpResponse:
    member = acting_member(request)
    group = _group(slug, member)
    form = InviteForm(request.POST)
    invitee = _find_member(form.data.get("who", ""))
    if invitee is None:
        messages.error(
            request,
            "No single member matches that: use their exact name, email or profile number.",
        )
    else:
        _attempt(
            request,
            lambda: services.invite_to_group(group, invitee, by=member),
            f"{invitee} is invited.",
        )
    return redirect("groups:detail", slug=group.slug)


@login_required
@require_POST
def invitation_respond(request: HttpRequest, invitation_id: int, decision: str) -> HttpResponse:
    member = acting_member(request)
    invitation = get_object_or_404(
        Invitation.objects.select_related("group"), pk=invitation_id, member=member
    )
    if decision == "accept":
        if _attempt(
            request,
            lambda: services.accept_invitation(invitation, by=member),
            f"Welcome to {invitation.group.name}.",
        ):
            return redirect("groups:detail", slug=invitation.group.slug)
    else:
        _attempt(
            request,
            lambda: services.decline_invitation(invitation, by=member),
            "Invitation declined.",
        )
    return redirect("groups:list")
