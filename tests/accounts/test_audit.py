"""The audit log: `record_audit` writes entries; moderators and above read them, filtered."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from townhall.accounts.audit import AuditFilters, audit_events
from townhall.accounts.models import AuditEvent
from townhall.accounts.permissions import member_for
from townhall.accounts.services import record_audit, set_role
from townhall.core.models import Role


def test_record_audit_keeps_who_did_what_to_which_object_and_why(make_user):
    actor = member_for(make_user(role=Role.MODERATOR))
    event = record_audit(
        actor, "hide", "community.reply", 42, reason="Spam", data={"title": "Hello"}
    )
    event.refresh_from_db()
    assert (event.actor, event.verb, event.target_type, event.target_id) == (
        actor,
        "hide",
        "community.reply",
        "42",
    )
    assert event.reason == "Spam" and event.data == {"title": "Hello"}
    assert event.created_at <= timezone.now()


def test_the_system_may_be_the_actor(db):
    assert record_audit(None, "hold", "community.topic", 1).actor is None


def test_changing_a_role_is_audited(make_user):
    admin_user = make_user(role=Role.ADMIN)
    target = member_for(make_user())
    set_role(target, Role.MODERATOR, by=admin_user)
    event = AuditEvent.objects.get(verb="set_role", target_id=str(target.pk))
    assert event.actor == member_for(admin_user)
    assert event.data["from"] == "member" and event.data["to"] == "moderator"


def test_audit_events_filter_by_verb_object_actor_and_dates(make_user):
    one = member_for(make_user(role=Role.MODERATOR))
    two = member_for(make_user(role=Role.MODERATOR))
    record_audit(one, "hide", "community.reply", 1)
    record_audit(two, "ban", "core.member", 7)
    old = record_audit(one, "lock", "community.topic", 3)
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    verbs = lambda **f: [e.verb for e in audit_events(AuditFilters(**f))]  # noqa: E731
    assert verbs(verb="ban") == ["ban"]
    assert verbs(target_type="community.topic", target_id="3") == ["lock"]
    assert sorted(verbs(actor_id=one.pk)) == ["hide", "lock"]
    assert "lock" not in verbs(since=timezone.localdate() - timedelta(days=2))
    assert verbs(until=timezone.localdate() - timedelta(days=5)) == ["lock"]


def test_members_cannot_read_the_audit_log(client, make_user):
    client.force_login(make_user())
    assert client.get("/account/audit/").status_code == 403


def test_moderators_read_the_audit_log_filtered(client, make_user):
    moderator = make_user(role=Role.MODERATOR)
    actor = member_for(moderator)
    record_audit(actor, "hide", "community.reply", 5, reason="Rude", data={"url": "/x/"})
    record_audit(actor, "ban", "core.member", 9, reason="Spammer")
    client.force_login(moderator)
    page = client.get("/account/audit/", {"verb": "hide"}).content.decode()
    assert "Rude" in page and "Spammer" not in page
    assert 'href="/x/"' in page
