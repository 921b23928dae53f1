import json
from datetime import UTC, datetime, timedelta

import pytest

from townhall.core.models import Activity, Member, QuarantinedRecord
from townhall.core.records import Person
from townhall.core.services import ingest

URL = "/api/v1/activities"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def api(client, read_token):
    def get(path=URL, **params):
        response = client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {read_token}")
        return response.status_code, response.json()

    return get


@pytest.fixture
def send(client, write_token):
    """POST a body (JSON-encoded unless bytes) with the write token."""

    def post(body, **extra):
        data = body if isinstance(body, bytes) else json.dumps(body)
        return client.post(
            URL,
            data=data,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {write_token}",
            **extra,
        )

    return post


@pytest.fixture
def stream(make_record):
    """Ten activities an hour apart on slack (Ann, Ben) and github (Ann), newest last."""
    ann = Person(external_id="U-ANN", name="Ann")
    ben = Person(external_id="U-BEN", name="Ben")
    records = []
    for n in range(10):
        source = "github" if n % 5 == 0 else "slack"
        actor = (
            Person(external_id="gh-ann", name="Ann") if source == "github" else (ann, ben)[n % 2]
        )
        records.append(
            make_record(
                source=source,
                external_id=f"a{n}",
                kind="reply" if n % 3 == 0 else "message",
                channel="#help" if n < 4 else "#general",
                occurred_at=T0 + timedelta(hours=n),
                actor=actor,
                target=ben if n == 3 else None,
            )
        )
    ingest(records)
    return {a.external_id: a for a in Activity.objects.all()}


def external_ids(body):
    return [item["external_id"] for item in body["items"]]


def test_activities_are_listed_newest_first_with_their_people(api, stream):
    status, body = api()
    assert status == 200
    assert external_ids(body) == [f"a{n}" for n in range(9, -1, -1)]
    assert body["cursor"] is None and body["next"] is None
    reply = next(item for item in body["items"] if item["external_id"] == "a3")
    ben = Member.objects.get(identities__external_id="U-BEN")
    assert reply["kind"] == "reply" and reply["source"] == "slack"
    assert reply["member"] == {"id": ben.pk, "name": "Ben"}
    assert reply["identity"] == {"external_id": "U-BEN", "username": "", "name": "Ben"}
    assert reply["target_member"] == {"id": ben.pk, "name": "Ben"}
    assert reply["channel"] == "#help"
    assert reply["occurred_at"] == "2026-03-01T12:00:00Z"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"source": "github"}, ["a5", "a0"]),
        ({"kind": "reply"}, ["a9", "a6", "a3", "a0"]),
        ({"channel": "#help", "source": "slack"}, ["a3", "a2", "a1"]),
        ({"since": "2026-03-01T16:00:00Z"}, ["a9", "a8", "a7"]),
        ({"until": "2026-03-01T11:00:00+00:00"}, ["a1", "a0"]),
        ({"since": "2026-03-01T12:00:00+01:00", "until": "2026-03-01T13:00:00Z"}, ["a3", "a2"]),
        # An unencoded "+" arrives as a space; it still means an offset.
        ({"since": "2026-03-01T18:00:00 02:00"}, ["a9", "a8", "a7"]),
        ({"source": "slack", "kind": "nothing"}, []),
    ],
)
def test_activity_filters(api, stream, params, expected):
    status, body = api(**params)
    assert status == 200, body
    assert external_ids(body) == expected


def test_filter_activities_by_member(api, stream):
    ann = Member.objects.get(identities__external_id="U-ANN")
    assert external_ids(api(member=ann.pk)[1]) == ["a8", "a6", "a4", "a2"]


def test_times_keep_every_digit(api, make_record):
    ingest([make_record(external_id="precise", occurred_at=T0.replace(microsecond=123456))])
    assert api()[1]["items"][0]["occurred_at"] == "2026-03-01T09:00:00.123456Z"


def test_times_without_an_offset_are_refused(api, db):
    status, body = api(since="2026-03-01T10:00:00")
    assert status == 422
    assert body["detail"][0]["loc"] == ["query", "since"]
    assert "timezone" in body["detail"][0]["msg"]


def test_the_cursor_walks_the_stream_without_gaps_or_repeats(api, make_record):
    # Ties on occurred_at are broken by id, so equal times never split badly across pages.
    ingest(
        [
            make_record(external_id=f"t{n}", occurred_at=T0 + timedelta(minutes=n // 4))
            for n in range(23)
        ]
    )
    expected = list(
        Activity.objects.order_by("-occurred_at", "-id").values_list("external_id", flat=True)
    )
    seen = []
    _, page = api(limit=5)
    seen += external_ids(page)
    while page["next"]:
        assert page["next"].startswith("http://testserver/api/v1/activities?")
        assert "limit=5" in page["next"]
        page = api(page["next"].removeprefix("http://testserver"))[1]
        seen += external_ids(page)
    assert seen == expected
    assert (
        api(limit=5, cursor=api(limit=5)[1]["cursor"])[1]["items"] == api(limit=10)[1]["items"][5:]
    )


def test_a_bad_cursor_answers_400(api, db):
    for cursor in ("garbage", "12-x", "-"):
        status, body = api(cursor=cursor)
        assert status == 400
        assert "Invalid cursor" in body["detail"]


def test_the_activity_list_runs_a_fixed_number_of_queries(
    client, read_token, stream, make_record, django_assert_num_queries
):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {read_token}"}
    client.get(URL, **headers)  # marks the token used
    # token, the caller's member (role), the page with everything joined
    with django_assert_num_queries(3):
        assert len(client.get(URL, **headers).json()["items"]) == 10
    ingest([make_record(source=f"s{n % 5}", kind=f"k{n % 3}") for n in range(60)])
    with django_assert_num_queries(3):
        assert len(client.get(URL, {"limit": 50}, **headers).json()["items"]) == 50


GOOD = {
    "source": "forum",
    "external_id": "p1",
    "kind": "post",
    "occurred_at": "2026-03-01T10:00:00+01:00",
    "actor": {"external_id": "F1", "name": "Fay", "email": "fay@corp.dev"},
    "title": "Hello",
    "properties": {"tags": ["intro"]},
}


def batch():
    return [
        GOOD,
        {**GOOD, "external_id": "p2", "occurred_at": "2026-03-01T10:00:00"},
        {
            **GOOD,
            "external_id": "p3",
            "actor": {"external_id": "F2"},
            "target": {"email": "fay@corp.dev"},
        },
        {**GOOD, "external_id": "p4", "actor": {"name": "Nobody"}},
        "not an object",
        {**GOOD, "external_id": "p5", "colour": "blue"},
        {**GOOD, "external_id": 6},
    ]


def test_posting_records_imports_the_good_and_quarantines_the_bad(send, write_token):
    response = send(batch())
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("read", "created", "duplicates", "quarantined")} == {
        "read": 7,
        "created": 2,
        "duplicates": 0,
        "quarantined": 5,
    }
    assert body["members_created"] == 3  # Fay, F2, and the target known only by email
    reasons = {item["position"]: item for item in body["quarantine"]}
    assert sorted(reasons) == [1, 3, 4, 5, 6]
    assert "no UTC offset" in reasons[1]["reason"] and reasons[1]["external_id"] == "p2"
    assert "needs an `external_id`, an `email` or a `username`" in reasons[3]["reason"]
    assert reasons[4] == {
        "position": 4,
        "external_id": None,
        "reason": "expected a JSON object, got a string",
    }
    assert "unknown field `colour`" in reasons[5]["reason"]
    assert "Expected `str`, got `int`" in reasons[6]["reason"] and reasons[6]["external_id"] is None

    post = Activity.objects.get(external_id="p1")
    assert post.occurred_at == datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert post.properties == {"tags": ["intro"]}
    assert post.member.organization.domain == "corp.dev"
    assert Activity.objects.get(external_id="p3").target_member.primary_email == "fay@corp.dev"

    stored = dict(QuarantinedRecord.objects.values_list("position", "reason"))
    assert {int(p) for p in stored} == set(reasons)
    assert all(stored[str(p)] == item["reason"] for p, item in reasons.items())
    origins = set(QuarantinedRecord.objects.values_list("origin", flat=True))
    assert origins == {f"api:writer (th_{write_token.split('_')[1]})"}


def test_posting_the_same_records_again_changes_nothing(send):
    send(batch())
    counts = (Activity.objects.count(), Member.objects.count(), QuarantinedRecord.objects.count())
    body = send(batch()).json()
    assert (body["created"], body["duplicates"], body["quarantined"]) == (0, 2, 5)
    assert len(body["quarantine"]) == 5
    assert (
        Activity.objects.count(),
        Member.objects.count(),
        QuarantinedRecord.objects.count(),
    ) == counts


def test_records_may_come_wrapped_in_an_object(send):
    body = send({"records": [GOOD]}).json()
    assert (body["read"], body["created"]) == (1, 1)


def test_an_empty_array_imports_nothing(send):
    body = send([]).json()
    assert (body["read"], body["created"], body["quarantine"]) == (0, 0, [])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body is empty"),
        (b"[{]", "not valid JSON"),
        (GOOD, "Send a JSON array"),
        ({"records": GOOD}, "Send a JSON array"),
        ({"records": [], "more": 1}, "Send a JSON array"),
        (42, "Send a JSON array"),
    ],
)
def test_a_body_that_is_not_a_batch_answers_400(send, body, message):
    response = send(body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Activity.objects.exists()


def test_more_than_ten_thousand_records_answer_413(send):
    response = send([{}] * 10_001)
    assert response.status_code == 413
    assert "limit is 10,000" in response.json()["detail"]
    assert not QuarantinedRecord.objects.exists()


def test_a_body_over_the_byte_limit_answers_413(send, monkeypatch):
    monkeypatch.setattr("townhall.core.api.MAX_BODY_BYTES", 1000)
    response = send([GOOD] * 10)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_full_batch_is_not_held_to_djangos_upload_limit(send, settings, make_record):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    records = [{**GOOD, "external_id": f"big{n}"} for n in range(50)]
    response = send(records)
    assert response.status_code == 200
    assert response.json()["created"] == 50
