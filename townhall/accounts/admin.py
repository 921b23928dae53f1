"""Back office for API tokens: see who holds which token, revoke them. Tokens are created
by their owners (the tokens page, `townhall token create`), never here, because the
plaintext can only be shown to whoever creates it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from townhall.accounts.models import ApiToken, AuditEvent
from townhall.accounts.tokens import revoke_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "display_prefix",
        "scope",
        "status",
        "created_at",
        "last_used_at",
        "expires_at",
    )
    list_filter = ("scope", "revoked_at", "created_at")
    search_fields = ("name", "prefix", "user__email", "user__username")
    list_select_related = ("user",)
    fields = (
        "name",
        "user",
        "display_prefix",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ("revoke_selected",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="token")
    def display_prefix(self, token: ApiToken) -> str:
        return token.display_prefix

    @admin.display(description="status")
    def status(self, token: ApiToken) -> str:
        return token.status

    @admin.action(description="Revoke selected tokens")
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(token, by=request.user)
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is only ever appended to, by the verbs."""

    list_display = ("created_at", "actor", "verb", "target_type", "target_id", "reason")
    list_filter = ("verb", "target_type", "created_at")
    search_fields = ("target_id", "reason", "actor__display_name")
    list_select_related = ("actor",)
    readonly_fields = (
        "created_at",
        "actor",
        "verb",
        "target_type",
        "target_id",
        "reason",
        "data",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
