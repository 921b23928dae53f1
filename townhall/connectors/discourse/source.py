"""A Discourse forum through its REST API (`discourse-api`), synced incrementally.

Reads, with the `Api-Key` and `Api-Username` headers (an admin or moderator key sees
every category; a user key sees what that user sees):

- `GET /site.json` — the categories (a topic's channel is its category's name, the
  slug goes in properties).
- First sync — every topic: `GET /latest.json?order=created&ascending=true`, following
  `topic_list.more_topics_url` page by page (oldest topics first, so pages stay put
  while people post), then `GET /t/{id}.json` for each topic (its first 20 posts and
  the `post_stream.stream` of all post ids) and `GET /t/{id}/posts.json?post_ids[]=…`
  for the rest, 20 at a time. The highest post id at the start (from `/posts.json`)
  becomes the cursor once every topic was read.
- Later syncs — the posts written since: `GET /posts.json` (newest first, 50 a page)
  and `?before=<lowest id seen - 1>` until the cursor's post id; then `GET /t/{id}.json`
  once per topic with new posts (its first post, accepted answer), and
  `GET /posts/by_number/{topic}/{n}.json` for a replied-to post not in hand.
- Likes (unless `likes: false`): `GET /directory_items.json?order=likes_given&period=…`
  lists who liked anything in the period since the last sync (the whole history the
  first time), then `GET /user_actions.json?username=…&filter=1` gives each like with
  its time, newest first, until the previous sync's likes (with a two-day overlap,
  as the directory is refreshed daily).
- `GET /u/{username}.json` once per @mentioned username not otherwise seen.

Kinds (actor → target): `topic_created` (a topic's first post; external id
`topic:<id>`, the conversation_id of the topic); `post` (every other post → the author
of the post it replies to, `reply_to_post_number`, else the topic's author; parent =
that post); `like` → the post's author; `solution_accepted` (discourse-solved's
`accepted_answer`) by whoever accepted it (the topic's author unless the forum shows
who) → the answer's author, dated by the answer since Discourse keeps no acceptance
time; `mention` → each `@username` Discourse linked in a post (not in quotes).
People are keyed by their Discourse user id, with username, name, avatar and profile
URL; Discourse's own accounts (system, discobot; ids ≤ 0) are bots. E-mail addresses
are not read (they need an admin-only endpoint per user).

Skipped: private messages, moderator and small-action posts ("closed this topic"),
whispers, deleted posts. An answer accepted on a topic without new posts since the
last sync is not seen by later syncs. 429s are retried after `Retry-After` or the
body's `extras.wait_seconds`.

Cursor: `last_post_id` (the highest post id whose records were all yielded),
`likes_since` (the newest like read); during a first sync `crawl_page` and
`crawl_high` say where to resume the topic walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from pydantic import SecretStr, field_validator

from townhall.connectors.base import Capability, Source, SourceConfig
from townhall.connectors.registry import register
from townhall.core.http import AdaptingTransport, ApiClient, as_rate_limited, json_or_none
from townhall.core.records import ActivityRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from .posts import Forum, TopicMapper, like_record, parse_time

POST_IDS_PER_REQUEST = 20
#: The directory's likes are refreshed once a day: re-read that much of each history.
LIKES_OVERLAP = timedelta(days=2)
PERIODS = [(7, "weekly"), (30, "monthly"), (90, "quarterly"), (365, "yearly")]


class DiscourseApiConfig(SourceConfig):
    #: The forum's address, e.g. https://forum.acme.io
    base_url: str
    #: An API key (Admin → API → New key; "read-only" scope is enough).
    api_key: SecretStr
    #: The user the key acts as; `system` for an all-users key.
    api_username: str = "system"
    #: Read likes (two requests per person who liked something since the last sync).
    likes: bool = True

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with https:// (e.g. https://forum.acme.io)")
        return value


class DiscourseTransport(AdaptingTransport):
    """Discourse's rate limit as ApiClient understands it: a 429 that gives its wait only
    in the body (`extras.wait_seconds`) gets a `Retry-After`."""

    def adapt(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if response.status_code == 429 and "retry-after" not in response.headers:
            body = json_or_none(response)
            extras = body.get("extras") if isinstance(body, dict) else None
            wait = extras.get("wait_seconds") if isinstance(extras, dict) else None
            if isinstance(wait, int | float):
                return as_rate_limited(response, request, wait=wait)
        return response


@register
class DiscourseApi(Source):
    """Topics, replies, likes, accepted answers and mentions of a Discourse forum."""

    name = "discourse-api"
    label = "Discourse (REST API)"
    default_source = "discourse"
    capabilities = frozenset({Capability.LIVE_API, Capability.INCREMENTAL})
    config_schema = DiscourseApiConfig

    @property
    def discourse_config(self) -> DiscourseApiConfig:
        assert isinstance(self.config, DiscourseApiConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.discourse_config
        self._transport = DiscourseTransport(self.transport)
        self.api = ApiClient(
            config.base_url,
            headers={
                "Api-Key": config.api_key.get_secret_value(),
                "Api-Username": config.api_username,
                "Accept": "application/json",
            },
            transport=self._transport,
            sleep=self.sleep,
            label="Discourse",
        )
        self._users: dict[str, Person | None] = {}
        self._by_number: dict[tuple[int, int], dict[str, Any] | None] = {}
        try:
            site = self._get("/site.json")
            self.server_now = _server_time(self._last_response)
            self.forum = Forum(
                config.base_url,
                self.source_slug,
                {c["id"]: c for c in site.json().get("categories") or []},
            )
            if "last_post_id" in self.cursor and "crawl_page" not in self.cursor:
                yield from self._new_posts(int(self.cursor["last_post_id"]))
            else:
                yield from self._crawl()
            if config.likes:
                yield from self._likes()
        finally:
            self.api.close()

    # -- HTTP ----------------------------------------------------------------------------

    def _get(self, path: str, params: Any = None) -> httpx.Response:
        try:
            self._last_response = self.api.get(path, params)
        except SourceFailure as failure:
            status = self._transport.last_status
            if status in (401, 403):
                raise SourceFailure(
                    f"Discourse at {self.discourse_config.base_url} refused the API key ({status}); "
                    "check `api_key` and `api_username` (the key must be allowed to read)"
                ) from failure
            raise
        return self._last_response

    def _json(self, path: str, params: Any = None) -> Any:
        try:
            return self._get(path, params).json()
        except ValueError:
            raise SourceFailure(f"Discourse sent something that is not JSON for {path}") from None

    def _optional(self, path: str) -> Any | None:
        """JSON of `path`, or None when the forum answers 404 (deleted, unknown)."""
        try:
            return self._json(path)
        except SourceFailure:
            if self._transport.last_status == 404:
                return None
            raise

    def _set_cursor(self, **values: Any) -> None:
        cursor = {**self.cursor, **values}
        self.cursor = {k: v for k, v in cursor.items() if v is not None}

    # -- people --------------------------------------------------------------------------

    def _remember(self, person: Person | None) -> Person | None:
        if person is not None and person.username:
            self._users.setdefault(person.username.lower(), person)
        return person

    def user(self, username: str) -> Person | None:
        """The account of a mentioned username (asked for once), None if there is none."""
        key = username.lower()
        if key not in self._users:
            data = self._optional(f"/u/{username}.json")
            user = (data or {}).get("user") or {}
            self._users[key] = (
                self.forum.person(
                    user.get("id"),
                    user.get("username"),
                    user.get("name"),
                    user.get("avatar_template"),
                    website=user.get("website"),
                )
                if user.get("id") is not None
                else None
            )
        return self._users[key]

    # -- topics and posts ------------------------------------------------------------------

    def _crawl(self) -> Iterator[ActivityRecord]:
        """Every topic, oldest first; resumable by page."""
        high = self.cursor.get("crawl_high")
        if high is None:
            latest = self._json("/posts.json").get("latest_posts") or []
            high = max((p["id"] for p in latest), default=0)
        page = int(self.cursor.get("crawl_page") or 0)
        # `no_definitions` leaves out the "About the … category" topics, as Discourse does.
        params: dict[str, Any] = {"order": "created", "ascending": "true", "no_definitions": "true"}
        if page:
            params["page"] = page
        while True:
            listing = self._json("/latest.json", params)
            self._remember_listing_users(listing)
            topic_list = listing.get("topic_list") or {}
            for topic in topic_list.get("topics") or []:
                yield from self._topic(topic["id"])
            more = topic_list.get("more_topics_url")
            if not more or not topic_list.get("topics"):
                break
            params = dict(parse_qsl(urlsplit(more).query))
            self._set_cursor(crawl_page=int(params.get("page", page + 1)), crawl_high=high)
            page = int(params.get("page", page + 1))
        self._set_cursor(last_post_id=high, crawl_page=None, crawl_high=None)

    def _remember_listing_users(self, listing: dict[str, Any]) -> None:
        for user in listing.get("users") or []:
            self._remember(
                self.forum.person(
                    user.get("id"),
                    user.get("username"),
                    user.get("name"),
                    user.get("avatar_template"),
                )
            )

    def _new_posts(self, last_post_id: int) -> Iterator[ActivityRecord]:
        """Posts written since `last_post_id`, topic by topic, then the cursor moves."""
        new: dict[int, dict[str, Any]] = {}
        params: dict[str, Any] | None = None
        while True:
            posts = self._json("/posts.json", params).get("latest_posts") or []
            fresh = [p for p in posts if p["id"] > last_post_id]
            for post in fresh:
                new[post["id"]] = post
            if len(fresh) < len(posts) or not posts:
                break
            params = {"before": min(p["id"] for p in posts) - 1}
        by_topic: dict[int, list[dict[str, Any]]] = {}
        for post in sorted(new.values(), key=lambda p: p["id"]):
            by_topic.setdefault(post["topic_id"], []).append(post)
        for topic_id, posts in by_topic.items():
            yield from self._topic(topic_id, known=posts, after=last_post_id)
        if new:
            self._set_cursor(last_post_id=max(new))

    def _topic(
        self, topic_id: int, *, known: list[dict[str, Any]] | None = None, after: int = 0
    ) -> Iterator[ActivityRecord]:
        topic = self._optional(f"/t/{topic_id}.json")
        if topic is None or topic.get("archetype") == "private_message":
            return  # deleted since it was listed, or a private message
        stream = topic.get("post_stream") or {}
        posts = {p["id"]: p for p in stream.get("posts") or []}
        for post in known or []:
            posts.setdefault(post["id"], post)
        if known is None:
            missing = [i for i in stream.get("stream") or [] if i not in posts]
            for start in range(0, len(missing), POST_IDS_PER_REQUEST):
                chunk = missing[start : start + POST_IDS_PER_REQUEST]
                more = self._json(f"/t/{topic_id}/posts.json", {"post_ids[]": chunk})
                for post in (more.get("post_stream") or {}).get("posts") or []:
                    posts[post["id"]] = post
        for participant in (topic.get("details") or {}).get("participants") or []:
            self._remember(
                self.forum.person(
                    participant.get("id"),
                    participant.get("username"),
                    participant.get("name"),
                    participant.get("avatar_template"),
                )
            )
        for post in posts.values():
            self._remember(self.forum.author(post))
            self._by_number[(topic_id, post["post_number"])] = post
        mapper = TopicMapper(
            self.forum, topic, lambda number: self._post_by_number(topic_id, number), self.user
        )
        for post in sorted(posts.values(), key=lambda p: p["post_number"]):
            if post["id"] > after:
                yield from mapper.records(post)
        yield from mapper.solution()

    def _post_by_number(self, topic_id: int, number: int) -> dict[str, Any] | None:
        key = (topic_id, number)
        if key not in self._by_number:
            self._by_number[key] = self._optional(f"/posts/by_number/{topic_id}/{number}.json")
        return self._by_number[key]

    # -- likes -----------------------------------------------------------------------------

    def _likes(self) -> Iterator[ActivityRecord]:
        since = self.cursor.get("likes_since")
        floor = parse_time(since) - LIKES_OVERLAP if since else None
        newest = since
        for username in self._likers(floor):
            offset = 0
            while True:
                actions = (
                    self._json(
                        "/user_actions.json", {"username": username, "filter": 1, "offset": offset}
                    ).get("user_actions")
                    or []
                )
                for action in actions:
                    if floor is not None and parse_time(action["created_at"]) <= floor:
                        continue
                    record = like_record(self.forum, action)
                    if record is not None:
                        if newest is None or parse_time(action["created_at"]) > parse_time(newest):
                            newest = action["created_at"]
                        yield record
                # Newest first: a page reaching back past the floor is the last one needed.
                if not actions or (
                    floor is not None and parse_time(actions[-1]["created_at"]) <= floor
                ):
                    break
                offset += len(actions)
        if newest != since:
            self._set_cursor(likes_since=newest)

    def _likers(self, floor: datetime | None) -> Iterator[str]:
        """Usernames of people who liked something since `floor` (everyone who ever
        liked something without one), from the directory, most likes first."""
        period = "all"
        if floor is not None:
            days = (self.server_now - floor).days + 1
            period = next((name for limit, name in PERIODS if days <= limit), "all")
        params: dict[str, Any] | None = {"period": period, "order": "likes_given"}
        path = "/directory_items.json"
        while params is not None:
            data = self._json(path, params)
            items = data.get("directory_items") or []
            for item in items:
                if not item.get("likes_given"):
                    return  # sorted by likes given: the rest gave none
                user = item.get("user") or {}
                self._remember(
                    self.forum.person(
                        user.get("id"),
                        user.get("username"),
                        user.get("name"),
                        user.get("avatar_template"),
                    )
                )
                if user.get("username"):
                    yield user["username"]
            more = (data.get("meta") or {}).get("load_more_directory_items")
            if not items or not more:
                return
            split = urlsplit(more)
            path = split.path if split.path.endswith(".json") else split.path + ".json"
            params = dict(parse_qsl(split.query))


def _server_time(response: httpx.Response) -> datetime:
    """The forum's clock (the `Date` header), so periods do not depend on ours."""
    try:
        return parsedate_to_datetime(response.headers["date"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return datetime.now(UTC)
