from django.contrib import admin

from townhall.community.models import Board, Tag, Topic
from townhall.community.pagecache import content_changed


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
