from django.contrib import admin

from townhall.crm.models import Account, Contact, Deal, Renewal, Ticket


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "domain",
        "system",
        "segment",
        "arr",
        "currency",
        "organization",
        "link_status",
    )
    list_filter = ("system", "link_status", "segment")
    search_fields = ("name", "domain", "external_id")
    raw_id_fields = ("organization",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "system", "account", "member", "link_status")
    list_filter = ("system", "link_status")
    search_fields = ("name", "email", "external_id")
    raw_id_fields = ("account", "member")


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "amount", "currency", "status", "created_on", "closed_on")
    list_filter = ("system", "status")
    search_fields = ("name", "external_id")
    raw_id_fields = ("account",)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("subject", "account", "channel", "status", "created_at", "solved_at")
    list_filter = ("system", "channel", "status")
    search_fields = ("subject", "requester_email", "external_id")
    raw_id_fields = ("account", "contact")


@admin.register(Renewal)
class RenewalAdmin(admin.ModelAdmin):
    list_display = ("account", "period_start", "period_end", "outcome", "arr_before", "arr_after")
    list_filter = ("system", "outcome")
    raw_id_fields = ("account",)
