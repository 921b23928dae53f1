"""The CRM links review page: ambiguous contacts and accounts, decided by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from townhall.core.models import Member, Organization
from townhall.crm.models import Account, Contact, LinkStatus
from townhall.crm.services.linking import can_link, link_account, link_contact

PAGE = 50


def _linker(request: HttpRequest) -> Member:
    member = Member.objects.filter(user=request.user).select_related("user").first()
    if not can_link(member):
        raise PermissionDenied("Only community managers and admins link CRM records.")
    assert member is not None
    return member


@login_required
def review_links(request: HttpRequest) -> HttpResponse:
    """Contacts and accounts whose link needs a person, with their candidates."""
    _linker(request)
    contacts = list(
        Contact.objects.filter(link_status=LinkStatus.AMBIGUOUS)
        .select_related("account")
        .order_by("email", "pk")[:PAGE]
    )
    accounts = list(
        Account.objects.filter(link_status=LinkStatus.AMBIGUOUS).order_by("name", "pk")[:PAGE]
    )
    # One query each for every candidate on the page (no N+1).
    members = Member.objects.select_related("organization").in_bulk(
        {pk for contact in contacts for pk in contact.link_candidates}
    )
    organizations = Organization.objects.in_bulk({pk for a in accounts for pk in a.link_candidates})
    rows = {
        "contacts": [
            (c, [members[pk] for pk in c.link_candidates if pk in members]) for c in contacts
        ],
        "accounts": [
            (a, [organizations[pk] for pk in a.link_candidates if pk in organizations])
            for a in accounts
        ],
    }
    counts = {
        "contacts": Contact.objects.filter(link_status=LinkStatus.AMBIGUOUS).count(),
        "accounts": Account.objects.filter(link_status=LinkStatus.AMBIGUOUS).count(),
    }
    return render(request, "crm/links.html", {"rows": rows, "counts": counts, "nav": "crm"})


@login_required
@require_POST
def decide_contact(request: HttpRequest, contact_id: int) -> HttpResponse:
    by = _linker(request)
    contact = get_object_or_404(Contact, pk=contact_id)
    choice = request.POST.get("member")
    member = get_object_or_404(Member, pk=choice) if choice else None
    link_contact(contact, member, by=by)
    messages.success(
        request, f"{contact} is {'linked to ' + str(member) if member else 'kept apart'}."
    )
    return redirect("crm:links")


@login_required
@require_POST
def decide_account(request: HttpRequest, account_id: int) -> HttpResponse:
    by = _linker(request)
    account = get_object_or_404(Account, pk=account_id)
    choice = request.POST.get("organization")
    organization = get_object_or_404(Organization, pk=choice) if choice else None
    link_account(account, organization, by=by)
    messages.success(
        request,
        f"{account} is {'linked to ' + str(organization) if organization else 'kept apart'}.",
    )
    return redirect("crm:links")
