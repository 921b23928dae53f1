"""Profile links (`Person.links`): validated, stored on the identity, filled when blank."""

from townhall.core.models import Identity
from townhall.core.records import Person
from townhall.core.services import ingest
from townhall.core.services.export import activity_rows


def test_a_new_identity_stores_its_links_cleaned(db, make_record):
    person = Person(external_id="G1", links=[" https://x.com/ana ", "", "https://x.com/ana"])
    ingest([make_record(actor=person)])
    assert Identity.objects.get(external_id="G1").links == ["https://x.com/ana"]


def test_an_identity_without_links_stores_an_empty_list(db, make_record):
    ingest([make_record(actor=Person(external_id="G2"))])
    assert Identity.objects.get(external_id="G2").links == []


def test_known_identity_gets_links_filled_when_blank_but_never_overwritten(db, make_record):
    ingest([make_record(external_id="a", actor=Person(external_id="G3", name="Ana"))])
    ingest([make_record(external_id="b", actor=Person(external_id="G3", links=["ana.dev"]))])
    assert Identity.objects.get(external_id="G3").links == ["ana.dev"]
    ingest([make_record(external_id="c", actor=Person(external_id="G3", links=["other.dev"]))])
    assert Identity.objects.get(external_id="G3").links == ["ana.dev"]


def test_links_are_filled_within_one_import_across_its_batches(db, make_record):
    records = [make_record(external_id=f"r{n}", actor=Person(external_id="G4")) for n in range(3)]
    records.append(make_record(external_id="last", actor=Person(external_id="G4", links=["@ana"])))
    ingest(records, batch_size=3)  # the links come in the second batch
    assert Identity.objects.get(external_id="G4").links == ["@ana"]


def test_too_many_or_overlong_links_are_quarantined_with_the_reason(db):
    base = {
        "source": "github",
        "kind": "message",
        "occurred_at": "2026-01-01T00:00:00+00:00",
    }
    many = [f"s{n}.dev" for n in range(11)]
    long = "https://" + "a" * 2000
    result = ingest(
        [
            {**base, "external_id": "x1", "actor": {"external_id": "L1", "links": many}},
            {**base, "external_id": "x2", "actor": {"external_id": "L2", "links": [long]}},
        ]
    )
    assert result.quarantined == 2
    assert any("`links` has 11 links" in reason for reason in result.reasons)
    assert any("a link is 2008 characters long" in reason for reason in result.reasons)


def test_exported_activities_carry_the_actors_links(db, make_record):
    ingest([make_record(actor=Person(external_id="G5", links=["https://ana.dev"]))])
    (row,) = activity_rows()
    assert row["actor"]["links"] == ["https://ana.dev"]
