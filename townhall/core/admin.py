"""The back office for the system of record: members, identities, activities, imports.

Rows that the activity stream depends on are read-only here: identities and
activities change only through ingest and merges (an activity's member must always
be its identity's member), merges are undone with `unmerge`, and every action that
changes data calls a `core.services` verb. Lists that can hold millions of rows skip
the full count and, on PostgreSQL, estimate the unfiltered one.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from townhall.core.models import (
    Activity,
    ActivityKind,
    Identity,
    ImportRun,
    Member,
    MergeRecord,
    NotSamePerson,
    Organization,
    QuarantinedRecord,
    Source,
)
from townhall.core.services import MergeRefused, mark_not_same_person, merge_members, unmerge

# Below this many rows an exact count is cheap enough; above it, PostgreSQL's estimate.
EXACT_COUNT_LIMIT = 100_000


def _actor(request: HttpRequest) -> str:
    """Who to record as having done something from the back office."""
    user = request.user
    return f"admin:{user.get_username()}" if user.is_authenticated else "admin"


def _link(model: str, pk: int | None, label: object) -> SafeString | str:
    if pk is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>', reverse(f"admin:core_{model}_change", args=[pk]), label
    )


class EstimatedCountPaginator(Paginator):
    """Exact counts for filtered lists; for a whole big table on PostgreSQL, its estimate.

    `SELECT count(*)` over millions of activities takes seconds on PostgreSQL, and the
    admin only needs it to number pages.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if (
            connection.vendor == "postgresql"
            and isinstance(queryset, QuerySet)
            and not queryset.query.where
        ):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > EXACT_COUNT_LIMIT:
                return int(row[0])
        return super().count


class ReadOnlyFieldsMixin:
    """Every field shown read-only: these rows change through core services only."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        model = self.model  # type: ignore[attr-defined]
        return [field.name for field in model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- members and organizations ---------------------------------------------------------


class MergedFilter(admin.SimpleListFilter):
    title = "merged"
    parameter_name = "merged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Active members"), ("yes", "Merged into another member")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(merged_into__isnull=True)
        if self.value() == "yes":
            return queryset.filter(merged_into__isnull=False)
        return queryset


class BiggestOrganizationFilter(admin.SimpleListFilter):
    """The 25 biggest organizations; any other one through ?organization=<id> (its page links it)."""

    title = "organization"
    parameter_name = "organization"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        biggest = (
            Organization.objects.annotate(n=Count("members"))
            .filter(n__gt=0)
            .order_by("-n", "name")[:25]
        )
        choices = [(str(o.pk), o.name) for o in biggest]
        selected = self.value()
        if selected and selected.isdigit() and all(pk != selected for pk, _ in choices):
            other = Organization.objects.filter(pk=int(selected)).first()
            if other is not None:
                choices.append((selected, other.name))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(organization_id=int(value))
        return queryset


class IdentityInline(admin.TabularInline):
    model = Identity
    fk_name = "member"
    fields = ("source", "external_id", "username", "email", "name", "url", "is_bot")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Identity]:
        return super().get_queryset(request).select_related("source")


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "display_name",
        "primary_email",
        "organization",
        "role",
        "is_employee",
        "is_bot",
        "merged_into_link",
        "created_at",
    )
    list_display_links = ("id", "display_name")
    list_filter = ("role", "is_employee", "is_bot", MergedFilter, BiggestOrganizationFilter)
    list_select_related = ("organization", "merged_into")
    search_fields = (
        "display_name",
        "primary_email",
        "=identities__username",
        "=identities__email",
        "=identities__external_id",
    )
    raw_id_fields = ("organization", "user")
    # Roles are handed out on the member's profile page, where set_role checks that the
    # person doing it is an admin; merges go through the actions below.
    readonly_fields = ("role", "merged_into_link", "created_at")
    fields = (
        "display_name",
        "primary_email",
        "avatar_url",
        "organization",
        "user",
        "role",
        "is_employee",
        "is_bot",
        "attributes",
        "merged_into_link",
        "created_at",
    )
    inlines = (IdentityInline,)
    show_full_result_count = False
    actions = ("merge_selected", "mark_selected_not_same_person")

    @admin.display(description="merged into", ordering="merged_into")
    def merged_into_link(self, obj: Member) -> SafeString | str:
        return _link("member", obj.merged_into_id, obj.merged_into)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Members are referenced by their identities and activities; removing a person
        # is an erasure with its own rules, not a row delete.
        return False

    @admin.action(
        description="Merge the two selected members (keeps the older one)", permissions=["change"]
    )
    def merge_selected(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        members = list(queryset.order_by("pk"))
        if len(members) != 2:
            self.message_user(request, "Select exactly two members to merge.", messages.ERROR)
            return
        keep, absorb = members
        try:
            merge_members(keep, absorb, reason="Merged in the back office", by=_actor(request))
        except MergeRefused as error:
            self.message_user(request, f"Not merged: {error}.", messages.ERROR)
            return
        self.message_user(request, f"Merged {absorb} into {keep}; undo it from Merge records.")

    @admin.action(
        description="Mark the two selected members as different people", permissions=["change"]
    )
    def mark_selected_not_same_person(
        self, request: HttpRequest, queryset: QuerySet[Member]
    ) -> None:
        members = list(queryset.order_by("pk"))
        if len(members) != 2:
            self.message_user(request, "Select exactly two members.", messages.ERROR)
            return
        try:
            mark_not_same_person(*members, by=_actor(request), reason="Decided in the back office")
        except MergeRefused as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"{members[0]} and {members[1]} will never be merged.")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "website", "members_link", "created_at")
    search_fields = ("name", "domain")
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("members", filter=Q(members__merged_into__isnull=True)))
        )

    @admin.display(description="members", ordering="member_count")
    def members_link(self, obj: Organization) -> SafeString:
        url = reverse("admin:core_member_changelist") + f"?organization={obj.pk}&merged=no"
        return format_html('<a href="{}">{}</a>', url, obj.member_count)  # type: ignore[attr-defined]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "connector", "identity_count", "created_at")
    search_fields = ("slug", "name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).annotate(identity_count=Count("identities"))

    @admin.display(description="identities", ordering="identity_count")
    def identity_count(self, obj: Source) -> int:
        return int(obj.identity_count)  # type: ignore[attr-defined]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Imports find a source by its slug: renaming it would split the source in two.
        return ("slug", "created_at") if obj is not None else ("created_at",)


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "source",
        "external_id",
        "username",
        "email",
        "name",
        "member_link",
        "is_bot",
    )
    list_filter = ("source", "is_bot")
    list_select_related = ("source", "member")
    search_fields = ("username", "email", "=external_id")
    # Moving an identity to another member is a merge (its activities must move with it).
    raw_id_fields = ("member",)
    readonly_fields = ("source", "external_id", "member", "created_at")
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    @admin.display(description="member", ordering="member")
    def member_link(self, obj: Identity) -> SafeString | str:
        return _link("member", obj.member_id, obj.member)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- the activity stream ---------------------------------------------------------------


@admin.register(Activity)
class ActivityAdmin(ReadOnlyFieldsMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "source", "member_link", "channel", "short_title")
    list_filter = ("source", "kind")
    list_select_related = ("source", "kind", "member")
    date_hierarchy = "occurred_at"
    raw_id_fields = ("member", "identity", "target_identity", "target_member")
    # Exact match only: a substring search over millions of rows would scan them all.
    search_fields = ("=external_id",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-occurred_at", "-id")

    @admin.display(description="member", ordering="member")
    def member_link(self, obj: Activity) -> SafeString | str:
        return _link("member", obj.member_id, obj.member)

    @admin.display(description="title")
    def short_title(self, obj: Activity) -> str:
        text = obj.title or obj.body
        return text if len(text) <= 80 else text[:79] + "…"


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "weight", "description")
    list_editable = ("weight",)
    search_fields = ("slug", "name")


# --- merges ----------------------------------------------------------------------------


class UndoneFilter(admin.SimpleListFilter):
    title = "undone"
    parameter_name = "undone"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "In force"), ("yes", "Undone")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(undone_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(undone_at__isnull=False)
        return queryset


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyFieldsMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "absorbed_link",
        "keep_link",
        "reason",
        "merged_by",
        "created_at",
        "undone_at",
    )
    list_filter = (UndoneFilter, "merged_by")
    list_select_related = ("keep", "absorbed")
    search_fields = ("reason", "merged_by", "=keep__id", "=absorbed__id")
    actions = ("undo_selected",)

    @admin.display(description="absorbed", ordering="absorbed")
    def absorbed_link(self, obj: MergeRecord) -> SafeString | str:
        return _link("member", obj.absorbed_id, obj.absorbed)

    @admin.display(description="kept", ordering="keep")
    def keep_link(self, obj: MergeRecord) -> SafeString | str:
        return _link("member", obj.keep_id, obj.keep)

    @admin.action(description="Undo the selected merges (unmerge)", permissions=["change"])
    def undo_selected(self, request: HttpRequest, queryset: QuerySet[MergeRecord]) -> None:
        undone, refused = 0, []
        # Newest first: a later merge must be undone before an earlier one it built on.
        for record in queryset.order_by("-created_at", "-id"):
            try:
                unmerge(record, by=_actor(request))
                undone += 1
            except MergeRefused as error:
                refused.append(f"merge {record.pk}: {error}")
        if undone:
            self.message_user(request, f"Undid {undone} merge{'s' if undone != 1 else ''}.")
        for reason in refused:
            self.message_user(request, f"Not undone — {reason}.", messages.WARNING)


@admin.register(NotSamePerson)
class NotSamePersonAdmin(ReadOnlyFieldsMixin, admin.ModelAdmin):
    list_display = ("id", "member_low", "member_high", "decided_by", "reason", "created_at")
    list_select_related = ("member_low", "member_high")
    raw_id_fields = ("member_low", "member_high")
    search_fields = ("=member_low__id", "=member_high__id", "decided_by")


# --- imports ---------------------------------------------------------------------------


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyFieldsMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "origin",
        "status",
        "read",
        "created",
        "duplicates",
        "quarantined_link",
        "started_at",
        "finished_at",
    )
    list_filter = ("status",)
    search_fields = ("origin", "=fingerprint")

    @admin.display(description="quarantined", ordering="quarantined")
    def quarantined_link(self, obj: ImportRun) -> SafeString | int:
        if not obj.quarantined:
            return 0
        url = (
            reverse("admin:core_quarantinedrecord_changelist") + f"?import_run__id__exact={obj.pk}"
        )
        return format_html('<a href="{}">{}</a>', url, obj.quarantined)


class ResolvedFilter(admin.SimpleListFilter):
    title = "resolved"
    parameter_name = "resolved"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Waiting"), ("yes", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(ReadOnlyFieldsMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "origin",
        "position",
        "source_slug",
        "short_reason",
        "resolved_at",
    )
    list_filter = (ResolvedFilter, "source_slug", "origin")
    list_select_related = ("import_run",)
    search_fields = ("reason", "origin", "=fingerprint")
    show_full_result_count = False
    fields = (
        "origin",
        "position",
        "source_slug",
        "reason_text",
        "raw_text",
        "import_run",
        "fingerprint",
        "created_at",
        "resolved_at",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*super().get_readonly_fields(request, obj), "reason_text", "raw_text"]

    @admin.display(description="reason")
    def short_reason(self, obj: QuarantinedRecord) -> str:
        return obj.reason if len(obj.reason) <= 100 else obj.reason[:99] + "…"

    @admin.display(description="reason")
    def reason_text(self, obj: QuarantinedRecord) -> SafeString:
        return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', obj.reason)

    @admin.display(description="raw record")
    def raw_text(self, obj: QuarantinedRecord) -> SafeString:
        return format_html(
            '<pre style="white-space: pre-wrap; word-break: break-all; max-height: 30em; '
            'overflow: auto; margin: 0">{}</pre>',
            obj.raw,
        )
