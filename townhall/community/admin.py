from django.contrib import admin
from django.core.exceptions import PermissionDenied

from townhall.accounts.permissions import member_for
from townhall.community.models import Board, Mvp, ReputationEvent, Tag, Topic
from townhall.community.pagecache import content_changed
from townhall.community.services.badges import grant_mvp, revoke_mvp


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "parent",
        "visibility",
        "group",
        "first_response_hours",
        "position",
    ]
    list_filter = ["visibility"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["group"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        # Signed-out visitors' cached pages show the board's name, description, sub-boards.
        content_changed(boards=[obj])


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Read-only: topics change through the community's verbs, not the back office."""

    list_display = ["title", "kind", "board", "author", "created_at", "reply_count"]
    list_filter = ["kind", "board"]
    search_fields = ["title"]
    list_select_related = ["board", "author"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Mvp)
class MvpAdmin(admin.ModelAdmin):
    """Community managers name MVPs here (with a reason); revoking keeps the history."""

    list_display = ["member", "reason", "granted_by", "granted_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["member__display_name", "reason"]
    raw_id_fields = ["member"]
    fields = ["member", "reason"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return obj is None

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        by = acting_manager(request)
        saved = grant_mvp(obj.member, reason=obj.reason, by=by)
        obj.pk = saved.pk

    @admin.action(description="Revoke the MVP flag")
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        by = acting_manager(request)
        for mvp in queryset.filter(revoked_at__isnull=True).select_related("member"):
            revoke_mvp(mvp.member, by=by)


@admin.register(ReputationEvent)
class ReputationEventAdmin(admin.ModelAdmin):
    """The ledger, read-only: points change through the verbs or a rebuild."""

    list_display = ["created_at", "member", "action", "points", "actor", "board", "key"]
    list_filter = ["action"]
    search_fields = ["member__display_name", "key"]
    list_select_related = ["member", "actor", "board"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


def acting_manager(request):  # type: ignore[no-untyped-def]
    """The back-office user's Member; the verb refuses anyone below community manager."""
    member = member_for(request.user)
    if member is None:
        raise PermissionDenied("Give your login a Member with the community manager role.")
    return member
