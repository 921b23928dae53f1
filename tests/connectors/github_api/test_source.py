import json
from datetime import UTC, datetime

import httpx
import pytest

from tests.connectors.replay import Recording
from townhall.connectors.github.api import GitHubApi, GitHubApiConfig
from townhall.connectors.services import save_connection, sync_connection
from townhall.core.models import Activity, Identity, Organization
from townhall.core.services.imports import SourceFailure

from .contract import DISCUSSIONS, FIXTURES, REST, config, recording


def source(*recordings, cursor=None, sleeps=None, **overrides):
    replay = Recording(*recordings) if recordings else recording()
    waits = sleeps if sleeps is not None else []
    github = GitHubApi(
        GitHubApiConfig.model_validate({**config(), **overrides}),
        cursor=cursor,
        transport=replay.transport(),
        sleep=waits.append,
    )
    return github, replay


def first_sync():
    github, replay = source()
    return list(github.read()), github, replay


def by_id(records):
    return {r.external_id: r for r in records}


def test_first_sync_yields_every_kind_with_namespaced_ids():
    records, _, _ = first_sync()
    assert [(r.kind, r.external_id) for r in records] == [
        ("issue_opened", "acme/engine#1432"),
        ("mention", "acme/engine#1432:mention:bo-chen"),
        ("mention", "acme/engine#1432:mention:zed-ops"),
        ("issue_closed", "acme/engine#1432:closed:2026-03-03T16:20:44Z"),
        ("pr_opened", "acme/engine#1433"),
        ("mention", "acme/engine#1433:mention:octo-ana"),
        ("pr_merged", "acme/engine#1433:merged"),
        ("pr_review", "acme/engine:review:1915550011"),
        ("pr_review", "acme/engine:review:1915550099"),
        ("pr_opened", "acme/engine#1440"),
        ("issue_opened", "acme/engine#1441"),
        ("issue_comment", "acme/engine:comment:2688001234"),
        ("issue_comment", "acme/engine:comment:2688004321"),
        ("issue_comment", "acme/engine:comment:2688009999"),
        ("star", "acme/engine:star:583231"),
        ("star", "acme/engine:star:2210044"),
        ("star", "acme/engine:star:1543210"),
        ("fork", "acme/engine:fork:768112233"),
        ("release_published", "acme/engine:release:146200001"),
        # Discussions (GraphQL) come last; test_discussions.py looks at them closely.
        ("discussion_created", "acme/engine:discussion:5301001"),
        ("mention", "acme/engine:discussion:5301001:mention:octo-ana"),
        ("discussion_comment", "acme/engine:discussion-comment:8801001"),
        ("mention", "acme/engine:discussion-comment:8801001:mention:zed-ops"),
        ("discussion_reply", "acme/engine:discussion-comment:8801002"),
        ("discussion_reply", "acme/engine:discussion-comment:8801003"),
        ("discussion_comment", "acme/engine:discussion-comment:8801004"),
        ("solution_accepted", "acme/engine:discussion-comment:8801001:accepted"),
        ("discussion_created", "acme/engine:discussion:5301002"),
        ("discussion_comment", "acme/engine:discussion-comment:8801010"),
        ("discussion_reply", "acme/engine:discussion-comment:8801011"),
        ("discussion_reply", "acme/engine:discussion-comment:8801012"),
        ("discussion_comment", "acme/engine:discussion-comment:8801013"),
        ("discussion_created", "acme/engine:discussion:5301003"),
        ("discussion_reply", "acme/engine:discussion-comment:8801021"),
    ]


def test_people_are_keyed_by_github_id_and_bots_flagged():
    records = by_id(first_sync()[0])
    opened = records["acme/engine#1432"]
    assert opened.actor.external_id == "583231"
    assert opened.actor.username == "octo-ana"
    assert opened.actor.url == "https://github.com/octo-ana"
    assert opened.actor.avatar_url == "https://avatars.githubusercontent.com/u/583231?v=4"
    assert opened.channel == "acme/engine" and opened.title == "Crash on start with an empty config"
    assert opened.properties == {
        "state": "closed",
        "comments": 2,
        "labels": ["bug"],
        "state_reason": "completed",
    }
    assert records["acme/engine:comment:2688009999"].actor.is_bot
    assert records["acme/engine#1440"].actor.is_bot
    assert not opened.actor.is_bot


def test_interactions_target_the_author_of_the_issue_or_pull_request():
    records = by_id(first_sync()[0])
    closed = records["acme/engine#1432:closed:2026-03-03T16:20:44Z"]
    assert closed.actor.username == "bo-chen" and closed.target.username == "octo-ana"
    merged = records["acme/engine#1433:merged"]
    assert merged.actor.username == "octo-ana" and merged.target.username == "bo-chen"
    assert merged.occurred_at == datetime(2026, 3, 3, 16, 20, 43, tzinfo=UTC)
    comment = records["acme/engine:comment:2688001234"]
    assert comment.target.external_id == "583231"
    assert comment.conversation_id == comment.parent_id == "acme/engine#1432"
    assert records["acme/engine:comment:2688004321"].properties == {"pull_request": True}
    review = records["acme/engine:review:1915550011"]
    assert review.target.username == "bo-chen"
    assert review.properties == {"state": "approved"}
    assert review.conversation_id == "acme/engine#1433"


def test_own_reviews_have_no_target_and_pending_reviews_are_skipped():
    records = by_id(first_sync()[0])
    assert records["acme/engine:review:1915550099"].target is None
    assert "acme/engine:review:1915550120" not in records


def test_mentions_name_real_accounts_only_outside_code_and_quotes(tmp_path):
    records, _, replay = first_sync()
    mentions = {r.external_id: r for r in records if r.kind == "mention"}
    zed = mentions["acme/engine#1432:mention:zed-ops"]
    assert zed.target.external_id == "2210044" and zed.actor.username == "octo-ana"
    assert zed.parent_id == "acme/engine#1432"
    # bo-chen wrote on the same page, so no lookup was needed for him.
    assert "https://api.github.com/users/bo-chen" not in replay.requests
    # A login GitHub does not know (404) is not a mention; `@config.toml` is in code;
    # the quoted mention in bo-chen's comment is not his.
    assert "https://api.github.com/users/ghost-of-nobody" in replay.requests
    assert not any("ghost-of-nobody" in eid or "config" in eid for eid in mentions)
    assert not any(eid.startswith("acme/engine:comment:") for eid in mentions)


def test_stars_carry_starred_at_and_follow_link_pagination():
    records, _, replay = first_sync()
    star = by_id(records)["acme/engine:star:1543210"]
    assert star.occurred_at == datetime(2026, 3, 4, 18, 40, 12, tzinfo=UTC)
    assert "https://api.github.com/repositories/412287301/stargazers?per_page=100&page=2" in (
        replay.requests
    )
    assert any("/repositories/412287301/issues" in url for url in replay.requests)


def test_the_token_is_sent_as_a_bearer_token_and_stars_ask_for_timestamps():
    seen: list[httpx.Request] = []
    replay = recording()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return replay.handler(request)

    github = GitHubApi(
        GitHubApiConfig.model_validate(config()), transport=httpx.MockTransport(handler)
    )
    list(github.read())
    assert {r.headers["authorization"] for r in seen} == {
        "Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a"
    }
    accepts = {r.url.path: r.headers["accept"] for r in seen}
    assert accepts["/repos/acme/engine/stargazers"] == "application/vnd.github.star+json"
    assert accepts["/repos/acme/engine/issues"] == "application/vnd.github+json"


def test_the_cursor_moves_only_after_the_records_it_covers():
    github, _ = source()
    seen_before_cursor = []
    for record in github.read():
        if (github.cursor.get("acme/engine") or {}).get("issues"):
            break
        seen_before_cursor.append(record.external_id)
    # The first page's records (#1432, #1433 and theirs) all came before the cursor moved.
    assert "acme/engine:review:1915550099" in seen_before_cursor
    assert github.cursor["acme/engine"]["issues"] == "2026-03-03T16:20:45Z"


def test_cursor_after_a_sync_and_the_next_sync_asks_since_it():
    records, github, _ = first_sync()
    assert github.cursor == {
        "acme/engine": {
            "issues": "2026-03-05T08:12:31Z",
            "comments": "2026-03-04T06:02:21Z",
            "stars_page": 2,
            "forks_page": 1,
            "releases": "2026-03-03T17:00:00Z",
            "discussions": "2026-03-05T12:00:00Z",
        }
    }
    again, replay = source(cursor=github.cursor)
    second = list(again.read())
    assert any("since=2026-03-05T08%3A12%3A31Z" in url for url in replay.requests)
    # Only the boundary items (since is inclusive) come again; nothing new.
    assert {r.external_id for r in second} <= {r.external_id for r in records}
    assert "https://api.github.com/repos/acme/engine/issues/1440" in replay.requests


def test_primary_rate_limit_waits_for_the_reset_then_continues():
    waits: list[float] = []
    github, _ = source(FIXTURES / "ratelimit__primary.json", REST, DISCUSSIONS, sleeps=waits)
    records = list(github.read())
    assert len(records) == 34
    assert len(waits) == 1 and 0 < waits[0] <= 900


def test_secondary_rate_limit_waits_retry_after_seconds():
    waits: list[float] = []
    github, _ = source(FIXTURES / "ratelimit__secondary.json", REST, DISCUSSIONS, sleeps=waits)
    assert len(list(github.read())) == 34
    assert waits == [60.0]


def test_an_unknown_repository_stops_with_a_clear_message(tmp_path):
    missing = tmp_path / "missing.json"
    missing.write_text(
        json.dumps(
            [
                {
                    "url": "https://api.github.com/repos/acme/nope/issues?state=all&sort=updated&direction=asc&per_page=100",
                    "status": 404,
                    "body": {"message": "Not Found", "status": "404"},
                }
            ]
        )
    )
    github, _ = source(missing, repositories=["acme/nope"])
    with pytest.raises(SourceFailure, match="no repository acme/nope this token can read"):
        list(github.read())


def test_a_refused_token_says_to_make_a_new_one(tmp_path):
    refused = tmp_path / "refused.json"
    refused.write_text(
        json.dumps(
            [
                {
                    "url": "https://api.github.com/repos/acme/engine/issues?state=all&sort=updated&direction=asc&per_page=100",
                    "status": 401,
                    "body": {"message": "Bad credentials", "status": "401"},
                }
            ]
        )
    )
    github, _ = source(refused)
    with pytest.raises(SourceFailure, match="refused the token"):
        list(github.read())


def test_without_closers_and_reviews_fewer_requests_are_made():
    github, replay = source(closers=False, reviews=False)
    kinds = {r.kind for r in github.read()}
    assert {"issue_closed", "pr_merged", "pr_review"}.isdisjoint(kinds)
    assert not any("/reviews" in url or url.endswith("/pulls/1433") for url in replay.requests)


def test_repositories_must_be_owner_slash_name():
    with pytest.raises(ValueError, match="owner/name"):
        GitHubApiConfig.model_validate({**config(), "repositories": ["engine"]})


def test_sync_stores_activities_and_the_token_encrypted(db):
    connection = save_connection(GitHubApi, GitHubApiConfig.model_validate(config()))
    assert "ghp_" not in connection.secrets and "token" not in connection.config
    _, result = sync_connection(connection, transport=recording().transport())
    assert result.created == Activity.objects.count() == 34
    connection.refresh_from_db()
    assert connection.cursor["acme/engine"]["issues"] == "2026-03-05T08:12:31Z"


PROFILES = FIXTURES / "profiles__acme-engine.json"


def test_profiles_read_once_each_carry_name_email_and_company():
    github, replay = source(REST, PROFILES, profiles=True, discussions=False)
    records = list(github.read())
    people = {r.actor.username: r.actor for r in records} | {
        r.target.username: r.target for r in records if r.target
    }
    assert people["octo-ana"].name == "Ana Oliveira"
    assert people["octo-ana"].email == "ana.oliveira@gmail.com"
    assert people["octo-ana"].organization == "Globex Corporation"
    assert people["bo-chen"].organization == "@globex"
    # `blog` and `twitter_username` are the other profiles they state.
    assert people["octo-ana"].links == ["https://ana.dev"]
    assert people["bo-chen"].links == [
        "https://stackoverflow.com/users/22656/bo-chen",
        "https://x.com/bochen_dev",
    ]
    # GitHub answers 404 for an account it no longer shows: the short profile is kept.
    assert people["cyrille"].username == "cyrille" and people["cyrille"].organization is None
    assert people["cyrille"].links is None
    # Bots are never looked up, and each person once however often they act.
    profile_reads = [u for u in replay.requests if u.count("/") == 4 and "/users/" in u]
    assert not any("dependabot" in u for u in profile_reads)
    assert len(profile_reads) == len(set(profile_reads))


def test_profile_companies_become_organizations_when_no_work_email_says(db):
    connection = save_connection(
        GitHubApi,
        GitHubApiConfig.model_validate({**config(), "profiles": True, "discussions": False}),
    )
    sync_connection(connection, transport=Recording(REST, PROFILES).transport())
    ana = Identity.objects.select_related("member__organization").get(username="octo-ana")
    bo = Identity.objects.select_related("member__organization").get(username="bo-chen")
    zed = Identity.objects.select_related("member__organization").get(username="zed-ops")
    # "Globex Corporation" and "@globex" are one organization; "@acme" is another.
    assert ana.member.organization == bo.member.organization
    assert ana.member.organization.name == "Globex Corporation"
    assert zed.member.organization.name == "Acme"
    assert Organization.objects.count() == 2


def test_profile_links_are_stored_on_the_identity(db):
    connection = save_connection(
        GitHubApi,
        GitHubApiConfig.model_validate({**config(), "profiles": True, "discussions": False}),
    )
    sync_connection(connection, transport=Recording(REST, PROFILES).transport())
    assert Identity.objects.get(username="bo-chen").links == [
        "https://stackoverflow.com/users/22656/bo-chen",
        "https://x.com/bochen_dev",
    ]
    assert Identity.objects.get(username="zed-ops").links == []
