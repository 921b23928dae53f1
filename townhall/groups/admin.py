from django.contrib import admin

from townhall.groups.models import Group, GroupMembership, Invitation, JoinRequest


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    raw_id_fields = ["member"]
    extra = 0


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "privacy", "created_at"]
    list_filter = ["privacy"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["group", "member", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["member", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["group", "member", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["member", "invited_by"]
