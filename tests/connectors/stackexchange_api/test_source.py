import pytest

from tests.connectors.replay import Recording
from townhall.connectors.services import save_connection, sync_connection
from townhall.connectors.stackexchange.source import StackExchangeApiConfig, StackExchangeApiSource
from townhall.core.models import Activity
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, config


class Waits(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source(recording: str, *, cursor: dict | None = None, waits: Waits | None = None, **overrides):
    replay = Recording(FIXTURES / recording)
    instance = StackExchangeApiSource(
        StackExchangeApiConfig(**{**config(), **overrides}),
        cursor=cursor,
        transport=replay.transport(),
    )
    instance.sleep = waits if waits is not None else Waits()
    return instance, replay


def by_id(items) -> dict[str, ActivityRecord]:
    return {r.external_id: r for r in items if isinstance(r, ActivityRecord)}


def test_sync_reads_questions_answers_accepts_and_comments_with_targets():
    api, replay = source("api__sync.json")
    items = list(api.read())
    records = by_id(items)
    assert list(records) == [
        "q:101",
        "a:201",
        "a:202",
        "accept:202",
        "c:9001",
        "c:9002",
        "c:9003",
        "a:203",
        "q:103",
    ]
    question, accepted = records["q:101"], records["accept:202"]
    assert question.source == "superuser" and question.channel == "celery"
    assert question.actor.external_id == "2" and question.actor.name == "Ana Souza"
    assert (
        question.url == "https://superuser.com/questions/101/why-does-my-celery-worker-get-killed"
    )
    assert question.body.startswith('My worker dies with SIGKILL after "OOM".')
    assert records["a:202"].target.external_id == "2"
    assert records["a:202"].actor.name == "José Álvarez"  # entities in display names decoded
    assert accepted.actor.external_id == "2" and accepted.target.external_id == "4"
    assert accepted.occurred_at.isoformat() == "2024-03-02T03:26:40+00:00"
    # A comment speaks to the post's author unless it @replies someone else.
    assert records["c:9001"].target.external_id == "2" and records["c:9001"].parent_id == "q:101"
    assert records["c:9003"].target.external_id == "2" and records["c:9003"].parent_id == "a:202"
    assert records["c:9002"].target.external_id == "4"
    assert records["q:103"].title == 'Can\'t start beat: "pidfile exists"'
    assert records["q:103"].properties["closed_at"] == "2024-03-05T14:46:40+00:00"
    assert records["a:203"].target is None  # asked by a deleted account
    assert len(replay.requests) == 6


def test_deleted_accounts_are_quarantined_with_a_stable_raw_text():
    api, _ = source("api__sync.json")
    envelopes = [r for r in api.read() if isinstance(r, Envelope)]
    assert [e.position for e in envelopes] == ["q:102", "c:9004"]
    assert all(e.error.startswith("author deleted") for e in envelopes)
    assert envelopes[0].raw == (
        '{"question_id": 102, "creation_date": 1709300000, "owner": "user4711"}'
    )


def test_cursor_moves_per_tag_only_after_a_page_is_yielded():
    api, _ = source("api__sync.json")
    seen = []
    for item in api.read():
        seen.append((getattr(item, "external_id", ""), dict(api.cursor)))
    # While page 1 is being yielded the cursor has not moved; after it, it holds page 1's newest.
    assert seen[0][1] == {}
    assert seen[-1] == ("q:103", {"last_activity": {"celery": 1709500000}})
    assert api.cursor == {"last_activity": {"celery": 1709700000}}


def test_next_sync_starts_at_the_cursor():
    api, replay = source("api__sync.json", cursor={"last_activity": {"celery": 1709700000}})
    assert list(by_id(api.read())) == ["q:103"]
    assert "min=1709700000" in replay.requests[0]


def test_backoff_is_honoured_per_method_and_server_errors_are_retried():
    waits = Waits()
    api, replay = source("api__backoff.json", waits=waits)
    assert len(by_id(api.read())) == 9
    # 2 s before retrying the 503; the 10 s backoff only before the next /questions call.
    assert waits == [2, 10.0]
    assert replay.requests[4].startswith("https://api.stackexchange.com/2.3/questions?")


def test_throttle_violation_stops_with_the_apis_reason():
    api, _ = source("api__throttled.json")
    with pytest.raises(SourceFailure, match="throttle_violation"):
        list(api.read())


def test_spent_quota_stops_clearly_without_moving_the_cursor():
    api, _ = source("api__quota_spent.json")
    with pytest.raises(SourceFailure, match="quota for today is spent"):
        list(api.read())
    assert api.cursor == {}


def test_app_key_is_sent_and_site_without_tags_reads_everything():
    api, replay = source("api__with_key.json", site="stackoverflow", tags=[], key="fake-app-key((")
    assert list(api.read()) == []
    assert "key=fake-app-key" in replay.requests[0] and "tagged" not in replay.requests[0]
    assert api.source_slug == "stackoverflow"


def test_key_is_stored_encrypted_and_a_sync_stores_targets(db):
    from townhall.connectors.models import Connection

    connection = save_connection(
        StackExchangeApiSource,
        StackExchangeApiConfig(**config(), key="fake-app-key(("),
    )
    assert "fake-app-key" not in str(Connection.objects.get(pk=connection.pk).config)
    # The recorded URLs carry no key, so sync with a connection without one.
    connection = save_connection(StackExchangeApiSource, StackExchangeApiConfig(**config()))
    replay = Recording(FIXTURES / "api__sync.json")
    _, first = sync_connection(connection, transport=replay.transport())
    connection.refresh_from_db()
    assert connection.cursor == {"last_activity": {"celery": 1709700000}}
    assert first.created == 9 and first.quarantined == 2
    answer = Activity.objects.get(external_id="a:202")
    assert answer.target_identity.external_id == "2"
