"""Turning one X API v2 search page (`data`, `includes`, `meta`) into records."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx

from townhall.connectors.x.common import CHANNEL, mention_records, person, tweet_url
from townhall.core.records import ActivityRecord, Person

SEARCH_PATH = "/2/tweets/search/recent"
# What every request asks for (the X API returns only ids unless fields are named).
SEARCH_PARAMS = {
    "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,"
    "referenced_tweets,entities,public_metrics,lang",
    "expansions": "author_id,entities.mentions.username,in_reply_to_user_id,"
    "referenced_tweets.id,referenced_tweets.id.author_id",
    "user.fields": "username,name,profile_image_url,verified",
    "max_results": "100",
}
# When one tweet is a retweet, a reply and a quote at once, the first of these wins.
KIND_OF_REFERENCE = (("retweeted", "retweet"), ("replied_to", "reply"), ("quoted", "quote"))


class Page:
    """One response: its tweets with the users and referenced tweets they point to."""

    def __init__(self, body: dict[str, Any]) -> None:
        includes = body.get("includes") or {}
        self.tweets: list[Any] = body.get("data") or []
        self.users = {u["id"]: u for u in includes.get("users") or [] if "id" in u}
        self.by_handle = {
            u["username"].lower(): u for u in self.users.values() if u.get("username")
        }
        self.referenced = {t["id"]: t for t in includes.get("tweets") or [] if "id" in t}
        meta = body.get("meta") or {}
        self.newest_id: str | None = meta.get("newest_id")
        self.next_token: str | None = meta.get("next_token")

    def person(self, user_id: str | None, username: str | None = None) -> Person | None:
        user = self.users.get(user_id) if user_id else None
        if user is None and username:
            user = self.by_handle.get(username.lower())
        if user is None:
            return person(user_id, username) if user_id or username else None
        return person(
            user["id"], user.get("username"), user.get("name"), user.get("profile_image_url")
        )

    def records(self, tweet: dict[str, Any], source: str) -> list[ActivityRecord]:
        """A `tweet`, `reply`, `quote` or `retweet` by its author, and its `mention`s."""
        tweet_id = tweet.get("id")
        if not isinstance(tweet_id, str) or not tweet_id.isdigit():
            raise ValueError("the tweet has no id")
        created = tweet.get("created_at")
        if not isinstance(created, str):
            raise ValueError(f"tweet {tweet_id} has no created_at (ask for tweet.fields)")
        occurred_at = datetime.fromisoformat(created)
        author = self.person(tweet.get("author_id"))
        if author is None:
            raise ValueError(f"tweet {tweet_id} has no author_id (ask for tweet.fields)")
        references = {
            r.get("type"): r.get("id")
            for r in tweet.get("referenced_tweets") or []
            if isinstance(r, dict)
        }
        kind, target, parent_id = "tweet", None, ""
        properties: dict[str, Any] = {}
        for reference, name in KIND_OF_REFERENCE:
            if reference in references:
                kind = name
                break
        if kind == "reply":
            parent_id = references["replied_to"] or ""
            target = self.person(tweet.get("in_reply_to_user_id"))
        elif kind in ("retweet", "quote"):
            reference = "retweeted" if kind == "retweet" else "quoted"
            original_id = references[reference]
            properties[f"{reference}_tweet_id"] = original_id
            original = self.referenced.get(original_id) or {}
            # A deleted or protected original is left out of `includes`: no target then.
            target = self.person(original.get("author_id"))
        if target is not None and target.key == author.key:
            target = None  # replying to or quoting oneself answers no one else
        if "quoted" in references and kind != "quote":
            properties["quoted_tweet_id"] = references["quoted"]
        metrics = tweet.get("public_metrics") or {}
        for name in ("like_count", "retweet_count", "reply_count", "quote_count"):
            if isinstance(metrics.get(name), int):
                properties[name] = metrics[name]
        if tweet.get("lang"):
            properties["lang"] = tweet["lang"]
        entities = tweet.get("entities") or {}
        hashtags = [h.get("tag") for h in entities.get("hashtags") or [] if isinstance(h, dict)]
        if hashtags:
            properties["hashtags"] = hashtags

        record = ActivityRecord(
            source=source,
            external_id=tweet_id,
            kind=kind,
            occurred_at=occurred_at,
            actor=author,
            target=target,
            channel=CHANNEL,
            url=tweet_url(author.username, tweet_id),
            body=tweet.get("text") or "",
            conversation_id=tweet.get("conversation_id") or "",
            parent_id=parent_id,
            properties=properties,
        )
        if kind == "retweet":
            # The @handles in a retweet are the original's mentions, not the retweeter's.
            return [record]
        mentioned = [
            p
            for m in entities.get("mentions") or []
            if isinstance(m, dict) and (p := self.person(m.get("id"), m.get("username")))
        ]
        skip = {author.key} | ({target.key} if target and kind == "reply" else set())
        return [record, *mention_records(record, mentioned, skip=skip)]


def honour_x_rate_limit_reset(response: httpx.Response) -> None:
    """An httpx response hook: turn X's `x-rate-limit-reset` (epoch) into Retry-After.

    ApiClient waits on Retry-After and GitHub's `X-RateLimit-Reset`; X spells its
    header with another hyphen and answers 429 without Retry-After, so without this a
    spent 15-minute window would be retried after seconds and fail.
    """
    reset = response.headers.get("x-rate-limit-reset") or ""
    if response.status_code == 429 and reset.isdigit() and "retry-after" not in response.headers:
        response.headers["retry-after"] = str(max(int(reset) - int(time.time()), 0) + 1)


def page_records(
    page: Page, source: str
) -> Iterator[tuple[dict[str, Any], list[ActivityRecord] | str]]:
    """Each tweet of a page with its records, or with the reason it could not be read."""
    for tweet in page.tweets:
        if not isinstance(tweet, dict):
            yield {"tweet": tweet}, "a search result that is not a JSON object"
            continue
        try:
            yield tweet, page.records(tweet, source)
        # InvalidRecord is a ValueError; the others are shapes X should not send.
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            yield tweet, str(error) or type(error).__name__
