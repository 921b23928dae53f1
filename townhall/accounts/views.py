"""Account pages: a person's own API tokens (list, create, revoke); the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.accounts.audit import AuditFilters, audit_choices, audit_events
from townhall.accounts.models import TOKEN_NAME_MAX, ApiToken
from townhall.accounts.permissions import can_manage_members, can_view_audit_log
from townhall.accounts.tokens import TokenError, create_token, revoke_token

EXPIRY_CHOICES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=TOKEN_NAME_MAX,
        label="Name",
        help_text="What the token is for, e.g. “crm-sync” or “import script”.",
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        label="Access",
        help_text="Read lists members, activities and sources; write also imports activities.",
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; a POST creates one and shows its plaintext this once."""
    user = cast(User, request.user)  # login_required
    form = TokenForm(request.POST or None)
    created: tuple[ApiToken, str] | None = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in"]
        expires_at = timezone.now() + timedelta(days=int(days)) if days else None
        try:
            created = create_token(
                user,
                form.cleaned_data["name"],
                form.cleaned_data["scope"],
                expires_at=expires_at,
            )
        except TokenError as error:
            form.add_error(None, str(error))
        else:
            form = TokenForm()
    context = {
        "form": form,
        "tokens": list(ApiToken.objects.filter(user=user)),
        "created": created[0] if created else None,
        "plaintext": created[1] if created else "",
        "can_use_core_api": can_manage_members(user),
        "api_base": request.build_absolute_uri(reverse("api-v1:api-root")),
    }
    # The plaintext is rendered in this response only: never stored, never redirected with.
    response = render(request, "accounts/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's own tokens."""
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    revoke_token(token, by=request.user)
    messages.success(request, f"Revoked the token “{token.name}”.")
    return redirect("accounts:tokens")


class AuditFilterForm(forms.Form):
    verb = forms.ChoiceField(required=False, label="Action")
    target_type = forms.ChoiceField(required=False, label="Object type")
    target_id = forms.CharField(required=False, max_length=40, label="Object id")
    actor = forms.IntegerField(required=False, min_value=1, label="Actor (member id)")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, verbs: list[str], types: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["verb"].choices = [("", "Any action"), *((v, v) for v in verbs)]  # type: ignore[attr-defined]
        self.fields["target_type"].choices = [("", "Any type"), *((t, t) for t in types)]  # type: ignore[attr-defined]

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            verb=data["verb"],
            target_type=data["target_type"],
            target_id=data["target_id"].strip(),
            actor_id=data["actor"],
            since=data["since"],
            until=data["until"],
        )


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log for moderators and above: every recorded action, filterable."""
    if not can_view_audit_log(request.user):
        raise PermissionDenied("The audit log is for moderators, community managers and admins.")
    verbs, types = audit_choices()
    form = AuditFilterForm(request.GET or None, verbs=verbs, types=types)
    filters = form.filters()
    page = Paginator(audit_events(filters), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {"form": form, "filters": filters, "page": page, "nav": "audit"},
    )
