import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db.models import ProtectedError

from townhall.core.models import (
    Activity,
    ActivityKind,
    Identity,
    Member,
    Organization,
    QuarantinedRecord,
)
from townhall.core.records import Person
from townhall.core.services import ingest


def test_ingest_creates_activities_identities_and_members(db, make_record):
    alice = Person(external_id="U1", name="Alice", email="alice@acme.io")
    bob = Person(external_id="U2", username="bob")
    result = ingest(
        [
            make_record(actor=alice, external_id="m1"),
            make_record(actor=bob, target=alice, external_id="m2", kind="reply"),
        ]
    )
    assert result.as_dict() == {
        "read": 2,
        "created": 2,
        "duplicates": 0,
        "quarantined": 0,
        "members_created": 2,
        "identities_created": 2,
    }
    reply = Activity.objects.get(external_id="m2")
    assert reply.member.display_name == "bob"
    assert reply.target_member.display_name == "Alice"
    assert reply.target_identity.external_id == "U1"
    assert Member.objects.get(primary_email="alice@acme.io").organization.domain == "acme.io"


def test_ingesting_the_same_records_again_changes_nothing(db, make_record):
    records = [make_record(external_id=f"m{i}") for i in range(50)]
    ingest(records, batch_size=7)
    before = (Activity.objects.count(), Member.objects.count(), Identity.objects.count())
    again = ingest(records, batch_size=7)
    assert again.created == 0 and again.duplicates == 50
    assert (Activity.objects.count(), Member.objects.count(), Identity.objects.count()) == before


def test_unknown_kind_is_registered_with_a_neutral_weight(db, make_record):
    ingest([make_record(kind="podcast_listen")])
    assert ActivityKind.objects.get(slug="podcast_listen").weight == 1.0


def test_actor_without_external_id_is_keyed_by_email_then_username(db, make_record):
    ingest(
        [
            make_record(actor=Person(email="Carol@Example.org", name="Carol")),
            make_record(actor=Person(email="carol@example.org")),
            make_record(actor=Person(username="dave")),
        ]
    )
    keys = set(Identity.objects.values_list("external_id", flat=True))
    assert keys == {"email:carol@example.org", "username:dave"}


def test_invalid_records_are_quarantined_with_reasons_and_the_rest_imported(db):
    good = {
        "source": "slack",
        "external_id": "ok",
        "kind": "message",
        "occurred_at": "2026-01-01T10:00:00+02:00",
        "actor": {"external_id": "U1"},
    }
    lines = [
        json.dumps(good),
        '{"source": "slack", "external_id": ',
        json.dumps({**good, "external_id": "naive", "occurred_at": "2026-01-01T10:00:00"}),
        json.dumps({**good, "external_id": "no-actor-key", "actor": {"name": "Nobody"}}),
        json.dumps({**good, "external_id": 42}),
        json.dumps({**good, "external_id": "x" * 300}),
        json.dumps({k: v for k, v in good.items() if k != "kind"}),
    ]
    result = ingest(lines, origin="test.jsonl")
    assert (result.created, result.quarantined) == (1, 6)
    reasons = dict(QuarantinedRecord.objects.values_list("position", "reason"))
    assert reasons["2"].startswith("invalid JSON")
    assert "no UTC offset" in reasons["3"]
    assert "needs an `external_id`, an `email` or a `username`" in reasons["4"]
    assert "Expected `str`, got `int` - at `$.external_id`" in reasons["5"]
    assert "300 characters long" in reasons["6"]
    assert "missing required field `kind`" in reasons["7"]
    assert Activity.objects.get().occurred_at == datetime(2026, 1, 1, 8, tzinfo=UTC)


def test_requarantining_the_same_bad_line_keeps_one_copy(db):
    ingest(["not json"], origin="f.jsonl")
    ingest(["not json"], origin="f.jsonl")
    assert QuarantinedRecord.objects.count() == 1


def test_known_identity_gets_blank_profile_fields_filled_but_never_overwritten(db, make_record):
    ingest([make_record(actor=Person(external_id="U9", name="Eve"))])
    ingest([make_record(actor=Person(external_id="U9", name="Eve Q", email="eve@corp.dev"))])
    identity = Identity.objects.get(external_id="U9")
    assert (identity.name, identity.email) == ("Eve", "eve@corp.dev")
    ingest([make_record(actor=Person(external_id="U9", timezone="Europe/Paris"))])
    ingest([make_record(actor=Person(external_id="U9", timezone="+02:00"))])
    assert Identity.objects.get(external_id="U9").timezone == "Europe/Paris"


def test_a_new_identity_keeps_its_time_zone_and_an_overlong_one_is_refused(db, make_record):
    ingest([make_record(actor=Person(external_id="T1", timezone="America/Sao_Paulo"))])
    assert Identity.objects.get(external_id="T1").timezone == "America/Sao_Paulo"
    result = ingest(
        [
            {
                "source": "slack",
                "external_id": "x",
                "kind": "message",
                "occurred_at": "2026-01-01T00:00:00+00:00",
                "actor": {"external_id": "T2", "timezone": "Z" * 65},
            }
        ]
    )
    assert result.quarantined == 1
    assert "`timezone` is 65 characters long" in next(iter(result.reasons))


def test_freemail_domains_create_no_organization(db, make_record):
    ingest([make_record(actor=Person(external_id="U1", email="x@gmail.com"))])
    assert not Organization.objects.exists()


def test_properties_and_times_round_trip_on_every_database(db, make_record):
    occurred = datetime(2026, 3, 1, 10, 30, 15, 123456, tzinfo=UTC)
    ingest(
        [
            make_record(external_id="p1", properties={"reactions": 3, "labels": ["bug"]}),
            make_record(external_id="p2", occurred_at=datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ]
    )
    first = Activity.objects.get(external_id="p1")
    assert first.properties == {"reactions": 3, "labels": ["bug"]}
    assert Activity.objects.filter(properties__reactions=3).count() == 1
    assert Activity.objects.get(external_id="p2").properties == {}
    assert Activity.objects.get(external_id="p2").occurred_at == datetime(
        2026, 3, 1, 12, tzinfo=UTC
    )
    ingest(
        [
            make_record(
                external_id="p3", occurred_at=occurred.astimezone(timezone(timedelta(hours=-5)))
            )
        ]
    )
    assert Activity.objects.get(external_id="p3").occurred_at == occurred
    assert (
        Activity.objects.filter(
            occurred_at__gt=datetime(2026, 3, 1, 10, 30, 15, tzinfo=UTC)
        ).count()
        == 2
    )


def test_a_later_bot_flag_marks_a_known_identity_but_never_unmarks_it(db, make_record):
    ingest([make_record(actor=Person(external_id="B1", name="Helper"))])
    ingest([make_record(actor=Person(external_id="B1", is_bot=True))])
    assert Identity.objects.get(external_id="B1").is_bot
    ingest([make_record(actor=Person(external_id="B1", name="Helper"))])
    assert Identity.objects.get(external_id="B1").is_bot


def test_activity_references_are_kept_by_django_without_database_constraints(db, make_record):
    """core_activity has no FK constraints (for load speed); on_delete still holds."""
    alice = Person(external_id="U1", name="Alice")
    ingest([make_record(actor=alice, external_id="m1"), make_record(external_id="m2")])
    member = Activity.objects.get(external_id="m1").member
    with pytest.raises(ProtectedError):
        member.delete()
    with pytest.raises(ProtectedError):
        Identity.objects.get(external_id="U1").delete()
    with pytest.raises(ProtectedError):
        ActivityKind.objects.get(slug="message").delete()
    assert Activity.objects.filter(external_id__in=["m1", "m2"]).count() == 2
