"""The system of record: people (Members), their accounts (Identities) and what they did (Activities).

Every source — the native community space, Slack, GitHub, a CSV of meetup RSVPs —
becomes the same three things. Everything else in Townhall is a place where
activities happen or a computation over them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# Lengths are part of the import contract (docs/import-format.md): a value longer than
# these is quarantined, not truncated, except the body, which is stored as an excerpt.
EXTERNAL_ID_MAX = 255
CHANNEL_MAX = 255
TITLE_MAX = 500
URL_MAX = 2000
BODY_EXCERPT_MAX = 1000
NAME_MAX = 255
TIMEZONE_MAX = 64


class Organization(models.Model):
    """A company or group people belong to, usually known by its email domain."""

    name = models.CharField(max_length=NAME_MAX)
    domain = models.CharField(max_length=255, blank=True, default="")
    website = models.URLField(max_length=URL_MAX, blank=True, default="")
    description = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~Q(domain=""), name="organization_unique_domain"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a person may do in the community space; employees are marked separately."""

    MEMBER = "member", "Member"
    MODERATOR = "moderator", "Moderator"
    COMMUNITY_MANAGER = "community_manager", "Community manager"
    ADMIN = "admin", "Admin"


ROLE_RANK = {Role.MEMBER: 0, Role.MODERATOR: 1, Role.COMMUNITY_MANAGER: 2, Role.ADMIN: 3}


class ActiveMemberManager(models.Manager["Member"]):
    def get_queryset(self) -> models.QuerySet[Member]:
        return super().get_queryset().filter(merged_into__isnull=True)


class Member(models.Model):
    """One person, however many accounts they have on however many sources.

    A member merged into another keeps its row (`merged_into` set) so a merge can be
    undone exactly; `Member.active` hides them.
    """

    display_name = models.CharField(max_length=NAME_MAX, blank=True, default="")
    primary_email = models.EmailField(max_length=254, blank=True, default="")
    avatar_url = models.URLField(max_length=URL_MAX, blank=True, default="")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.MEMBER)
    is_employee = models.BooleanField(default=False)
    is_bot = models.BooleanField(default=False)
    attributes = models.JSONField(default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager()
    active = ActiveMemberManager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["display_name"], name="member_display_name"),
            models.Index(fields=["primary_email"], name="member_primary_email"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.primary_email or f"Member {self.pk}"

    @property
    def is_staff_role(self) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role.MODERATOR]

    def has_role(self, role: Role) -> bool:
        """True when the member's role is `role` or above it."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[role]


class Source(models.Model):
    """A place activities come from: `community`, a Slack workspace, a GitHub org…"""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=NAME_MAX, blank=True, default="")
    connector = models.CharField(max_length=64, blank=True, default="")
    config = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name or self.slug


class Identity(models.Model):
    """A person's account on one source, keyed by the source's own id for it."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="identities")
    external_id = models.CharField(max_length=EXTERNAL_ID_MAX)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="identities")
    username = models.CharField(max_length=NAME_MAX, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="")
    name = models.CharField(max_length=NAME_MAX, blank=True, default="")
    url = models.CharField(max_length=URL_MAX, blank=True, default="")
    avatar_url = models.CharField(max_length=URL_MAX, blank=True, default="")
    # As the source states it: an IANA name or a UTC offset (see records.Person.timezone).
    timezone = models.CharField(max_length=TIMEZONE_MAX, blank=True, default="")
    # Other profiles the account states, as URLs (see records.Person.links).
    links = models.JSONField(default=list, blank=True)
    is_bot = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="identity_unique_source_key"
            )
        ]
        indexes = [
            models.Index(fields=["email"], name="identity_email"),
            models.Index(fields=["username"], name="identity_username"),
        ]

    def __str__(self) -> str:
        return f"{self.username or self.name or self.email or self.external_id} on {self.source_id}"


class ActivityKind(models.Model):
    """A kind of activity (`message`, `reply`, `star`…) and its default weight for scoring.

    Kinds are open: a kind not seen before is registered on first use with a neutral
    weight (1.0), so any source can bring its own.
    """

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=NAME_MAX, blank=True, default="")
    weight = models.FloatField(default=1.0)
    description = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Activity(models.Model):
    """Something an identity did on a source at a time, unique by (source, external_id).

    `member` always equals `identity.member` (and `target_member` equals
    `target_identity.member`): merges move both together, which is what makes a merge
    exactly reversible.
    """

    # Foreign keys carry no index of their own (db_index=False): each index costs every
    # insert, and the composite indexes below already lead with source and member.
    # Nor a database constraint (db_constraint=False): on PostgreSQL each one is a
    # `SELECT … FOR KEY SHARE` per row at commit, which halved the bulk-load ceiling
    # (docs/benchmarks.md). Rows are only written by ingest() and record_activity(),
    # with ids just read or created in the same transaction; members and identities
    # are never deleted while they have activities (on_delete=PROTECT, which Django
    # enforces itself); a source's deletion cascades through Django's collector.
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    external_id = models.CharField(max_length=EXTERNAL_ID_MAX)
    kind = models.ForeignKey(
        ActivityKind,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    occurred_at = models.DateTimeField()
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
        db_constraint=False,
    )
    identity = models.ForeignKey(
        Identity,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
        db_constraint=False,
    )
    channel = models.CharField(max_length=CHANNEL_MAX, blank=True, default="")
    title = models.CharField(max_length=TITLE_MAX, blank=True, default="")
    url = models.CharField(max_length=URL_MAX, blank=True, default="")
    body = models.CharField(max_length=BODY_EXCERPT_MAX, blank=True, default="")
    conversation_id = models.CharField(max_length=EXTERNAL_ID_MAX, blank=True, default="")
    parent_external_id = models.CharField(max_length=EXTERNAL_ID_MAX, blank=True, default="")
    target_identity = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    target_member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities_received",
        db_index=False,
        db_constraint=False,
    )
    properties = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="activity_unique_source_key"
            )
        ]
        indexes = [
            # A member's timeline, newest first.
            models.Index(fields=["member", "occurred_at"], name="activity_member_time"),
            # Time ranges across everyone (dashboards, incremental snapshots).
            models.Index(fields=["occurred_at"], name="activity_time"),
            # What a member received (replies, mentions, reactions), only where there is a target.
            models.Index(
                fields=["target_member", "occurred_at"],
                name="activity_target_member_time",
                condition=Q(target_member__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_id} by {self.member_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class MergeRecord(models.Model):
    """An audited merge of one member into another, with what unmerge needs to undo it."""

    keep = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="merges_kept")
    absorbed = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="merges_absorbed")
    reason = models.CharField(max_length=500)
    merged_by = models.CharField(max_length=NAME_MAX, help_text="Who or what decided the merge.")
    identity_ids = models.JSONField(
        default=list, help_text="Identities moved from absorbed to keep."
    )
    keep_before = models.JSONField(
        default=dict, help_text="Fields of keep filled in from absorbed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=NAME_MAX, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.keep_id}"


class NotSamePerson(models.Model):
    """A decision that two members are different people; no merge may ever join them."""

    member_low = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    member_high = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    decided_by = models.CharField(max_length=NAME_MAX, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "not-same-person decisions"
        constraints = [
            models.UniqueConstraint(
                fields=["member_low", "member_high"], name="not_same_person_pair"
            ),
            models.CheckConstraint(
                condition=Q(member_low__lt=models.F("member_high")), name="not_same_person_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_low_id} ≠ {self.member_high_id}"


class ImportRun(models.Model):
    """One run of an import over one input; its position lets a killed run resume."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    origin = models.CharField(max_length=1000, help_text="File path, API or connection.")
    connector = models.CharField(
        max_length=64, blank=True, default="", help_text="jsonl, csv or a connector."
    )
    fingerprint = models.CharField(max_length=128, blank=True, default="", db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    position = models.BigIntegerField(default=0, help_text="Records fully committed so far.")
    read = models.BigIntegerField(default=0)
    created = models.BigIntegerField(default=0)
    duplicates = models.BigIntegerField(default=0)
    quarantined = models.BigIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.origin} ({self.status})"


class QuarantinedRecord(models.Model):
    """An input record that could not be imported, kept verbatim with the reason why."""

    origin = models.CharField(max_length=1000, help_text="Where the record came from.")
    position = models.CharField(
        max_length=64, blank=True, default="", help_text="Line or row number."
    )
    source_slug = models.CharField(max_length=64, blank=True, default="")
    reason = models.TextField()
    raw = models.TextField()
    fingerprint = models.CharField(max_length=64, unique=True)
    import_run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quarantined_records",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.origin}:{self.position} — {self.reason[:80]}"


# --- Results of the analytics engine ------------------------------------------------------
# The engine computes these from the activity stream and writes them through
# core.services.scores / core.services.segments; places and pages only read them.


class MemberScore(models.Model):
    """A member's engagement as last computed: love, reach, the combined score and level."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, primary_key=True, related_name="score"
    )
    love = models.FloatField(default=0.0, help_text="The member's own decayed, weighted activity.")
    reach = models.FloatField(default=0.0, help_text="Influence: what others direct at them.")
    score = models.FloatField(default=0.0, help_text="Love and reach combined.")
    level = models.CharField(max_length=32, blank=True, default="")
    level_since = models.DateTimeField(null=True, blank=True)
    # A lower level waits out a grace period before it replaces `level`.
    pending_level = models.CharField(max_length=32, blank=True, default="")
    pending_since = models.DateTimeField(null=True, blank=True)
    is_superuser = models.BooleanField(default=False)
    trend = models.CharField(
        max_length=16, blank=True, default="", help_text="rising, steady, fading or churn-risk"
    )
    pagerank = models.FloatField(null=True, blank=True)
    betweenness = models.FloatField(null=True, blank=True)
    cluster = models.IntegerField(null=True, blank=True)
    explanation = models.JSONField(
        default=dict, blank=True, help_text="What counted most, for 'why this score'."
    )
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-score"], name="core_memberscore_score")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.score:.1f} ({self.level or 'no level'})"


class MemberChannelScore(models.Model):
    """A member's score and level within one source (Slack, GitHub, the community space…)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="channel_scores")
    source = models.CharField(max_length=64, help_text="The source's slug.")
    love = models.FloatField(default=0.0)
    reach = models.FloatField(default=0.0)
    score = models.FloatField(default=0.0)
    level = models.CharField(max_length=32, blank=True, default="")
    level_since = models.DateTimeField(null=True, blank=True)
    pending_level = models.CharField(max_length=32, blank=True, default="")
    pending_since = models.DateTimeField(null=True, blank=True)
    is_superuser = models.BooleanField(default=False)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "source"], name="core_channelscore_unique")
        ]
        indexes = [models.Index(fields=["source", "-score"], name="core_channelscore_rank")]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.source}: {self.score:.1f}"


class Segment(models.Model):
    """A saved filter over members; the analytics engine keeps its memberships current."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, default="")
    definition = models.JSONField(default=dict, help_text="The filter, see docs/segments.md.")
    created_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    member_count = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentMembership(models.Model):
    """A member in a segment, as of the last evaluation."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="segment_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "member"], name="core_segment_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.segment_id}"
