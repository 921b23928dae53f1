from datetime import UTC, datetime

from townhall.core.records import Person
from townhall.core.services import ingest


def test_sources_list_counts_identities_and_activities(client, read_token, make_record):
    ingest(
        [
            make_record(
                source="slack",
                actor=Person(external_id="U1"),
                occurred_at=datetime(2026, 1, 2, tzinfo=UTC),
            ),
            make_record(
                source="slack",
                actor=Person(external_id="U1"),
                occurred_at=datetime(2026, 1, 5, tzinfo=UTC),
            ),
            make_record(
                source="slack",
                actor=Person(external_id="U2"),
                occurred_at=datetime(2026, 1, 3, tzinfo=UTC),
            ),
            make_record(
                source="github",
                actor=Person(external_id="g1"),
                occurred_at=datetime(2026, 2, 1, tzinfo=UTC),
            ),
        ]
    )
    response = client.get("/api/v1/sources", HTTP_AUTHORIZATION=f"Bearer {read_token}")
    assert response.status_code == 200
    items = {item["slug"]: item for item in response.json()["items"]}
    assert items["slack"]["identity_count"] == 2
    assert items["slack"]["activity_count"] == 3
    assert items["slack"]["last_activity_at"] == "2026-01-05T00:00:00Z"
    assert (items["github"]["identity_count"], items["github"]["activity_count"]) == (1, 1)
    # The manager's login gave the native community source an identity, but no activity yet.
    assert items["community"]["activity_count"] == 0
    assert items["community"]["last_activity_at"] is None
    assert list(items) == sorted(items)


def test_sources_list_runs_a_fixed_number_of_queries(
    client, read_token, make_record, django_assert_num_queries
):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {read_token}"}
    ingest([make_record(source=f"src{n}") for n in range(12)])
    client.get("/api/v1/sources", **headers)
    # token, the caller's member, sources, identity counts, activity counts
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/sources", **headers).json()["items"]) == 13
