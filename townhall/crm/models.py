"""CRM records as Townhall keeps them: one row per (system, external id), updated on re-import."""

from __future__ import annotations

from django.db import models

from townhall.core.models import Member, Organization


class LinkStatus(models.TextChoices):
    UNLINKED = "unlinked", "Not linked"
    AUTO = "auto", "Linked automatically"
    MANUAL = "manual", "Linked by hand"
    AMBIGUOUS = "ambiguous", "Ambiguous: needs review"
    REJECTED = "rejected", "Kept apart by hand"


class CrmRecord(models.Model):
    """What every CRM row has: where it came from and what else its source said."""

    system = models.CharField(
        max_length=32, help_text="salesforce, hubspot, zendesk, freshdesk, csv…"
    )
    external_id = models.CharField(max_length=255)
    properties = models.JSONField(
        default=dict, blank=True, help_text="Columns Townhall does not map."
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Account(CrmRecord):
    """A customer company."""

    name = models.CharField(max_length=255, blank=True, default="")
    domain = models.CharField(max_length=255, blank=True, default="", db_index=True)
    segment = models.CharField(max_length=100, blank=True, default="")
    industry = models.CharField(max_length=100, blank=True, default="")
    employees = models.PositiveIntegerField(null=True, blank=True)
    region = models.CharField(max_length=100, blank=True, default="")
    arr = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    arr_base = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="ARR in the base currency (TOWNHALL_CRM_CURRENCY); empty without a rate.",
    )
    created_on = models.DateField(null=True, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="crm_accounts"
    )
    link_status = models.CharField(
        max_length=16, choices=LinkStatus.choices, default=LinkStatus.UNLINKED
    )
    link_candidates = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="crm_account_unique")
        ]

    def __str__(self) -> str:
        return self.name or self.domain or self.external_id


class Contact(CrmRecord):
    """A person at an account, as the CRM knows them."""

    account_ref = models.CharField(
        max_length=255, blank=True, default="", help_text="The account's external id."
    )
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    email = models.CharField(max_length=254, blank=True, default="", db_index=True)
    name = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=255, blank=True, default="")
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="crm_contacts"
    )
    link_status = models.CharField(
        max_length=16, choices=LinkStatus.choices, default=LinkStatus.UNLINKED
    )
    link_candidates = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="crm_contact_unique")
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.external_id


class Deal(CrmRecord):
    """An opportunity: open, won or lost."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    account_ref = models.CharField(max_length=255, blank=True, default="")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    name = models.CharField(max_length=255, blank=True, default="")
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    amount_base = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    stage = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    owner = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="crm_deal_unique")
        ]
        indexes = [models.Index(fields=["account", "created_on"], name="crm_deal_account_created")]

    def __str__(self) -> str:
        return self.name or self.external_id


class Ticket(CrmRecord):
    """A support ticket."""

    account_ref = models.CharField(max_length=255, blank=True, default="")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    requester_email = models.CharField(max_length=254, blank=True, default="", db_index=True)
    subject = models.CharField(max_length=500, blank=True, default="")
    channel = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    solved_at = models.DateTimeField(null=True, blank=True)
    handling_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="crm_ticket_unique")
        ]
        indexes = [
            models.Index(fields=["account", "created_at"], name="crm_ticket_account_created")
        ]

    def __str__(self) -> str:
        return self.subject or self.external_id


class Renewal(CrmRecord):
    """A subscription period that came up for renewal: renewed (maybe expanded) or churned."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        RENEWED = "renewed", "Renewed"
        CHURNED = "churned", "Churned"

    account_ref = models.CharField(max_length=255, blank=True, default="")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="renewals"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OPEN)
    arr_before = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    arr_after = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="crm_renewal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_ref} {self.period_start}–{self.period_end}"
