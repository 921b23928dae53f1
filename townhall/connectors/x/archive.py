"""Reading an X account archive: its `window.YTD.<name>.partN = [ … ]` files, streamed.

An archive is the ZIP X mails its owner (or the folder it unpacks to). Each data file
is JavaScript assigning one JSON array; the tweets file can be hundreds of megabytes,
so its items are decoded one at a time from a sliding buffer instead of all at once.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

from townhall.connectors.x.common import CHANNEL, mention_records, person, tweet_url
from townhall.core.records import ActivityRecord, Person
from townhall.core.services.imports import SourceFailure

CHUNK = 1 << 20
YTD_PREFIX = re.compile(r"\s*window\.YTD\.\w+\.part\d+\s*=\s*")
# data/tweets.js, data/tweet.js (archives before 2022) and their -partN continuations.
TWEET_FILE = re.compile(r"(?:^|/)data/tweets?(?:-part(?P<part>\d+))?\.js$")
ACCOUNT_FILE = re.compile(r"(?:^|/)data/account\.js$")
RETWEET = re.compile(r"^RT @(?P<handle>\w{1,15}):")
MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


class Archive:
    """An archive ZIP or extracted folder, read by archive-relative file name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*.js"))
        else:
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as error:
                raise SourceFailure(
                    f"{path} is neither an X archive ZIP nor its folder: {error}"
                ) from None
            self.names = sorted(n for n in self.zip.namelist() if not n.endswith("/"))

    def open_text(self, name: str) -> TextIO:
        raw = self.zip.open(name) if self.zip else (self.path / name).open("rb")
        return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace")

    def tweet_files(self) -> list[str]:
        """The tweet files, in archive order (part 0 first)."""
        found = [(m, n) for n in self.names if (m := TWEET_FILE.search(n))]
        return [n for m, n in sorted(found, key=lambda f: (int(f[0]["part"] or 0), f[1]))]

    def account_file(self) -> str | None:
        return next((n for n in self.names if ACCOUNT_FILE.search(n)), None)

    def fingerprint(self) -> str:
        """Identifies the files read (not the media, which can be gigabytes)."""
        digest = hashlib.sha256()
        for name in [*filter(None, [self.account_file()]), *self.tweet_files()]:
            digest.update(name.encode())
            if self.zip:
                info = self.zip.getinfo(name)
                digest.update(f"{info.CRC}:{info.file_size}".encode())
            else:
                digest.update((self.path / name).read_bytes())
        return digest.hexdigest()

    def close(self) -> None:
        if self.zip:
            self.zip.close()


def ytd_items(handle: TextIO, name: str) -> Iterator[Any]:
    """Each item of the file's JSON array, decoded one at a time.

    A file that ends early or holds something that is not JSON raises SourceFailure
    saying where: the items before it have been yielded (and committed) already.
    """
    decoder = json.JSONDecoder()
    buffer = handle.read(CHUNK)
    eof = not buffer
    prefix = YTD_PREFIX.match(buffer)
    pos = prefix.end() if prefix else 0
    while pos < len(buffer) and buffer[pos].isspace():
        pos += 1
    if buffer[pos : pos + 1] != "[":
        raise SourceFailure(
            f"{name} does not hold a `window.YTD… = [ … ]` array; is it from an X archive?"
        )
    pos += 1
    count = 0
    while True:
        while pos < len(buffer) and (buffer[pos].isspace() or buffer[pos] == ","):
            pos += 1
        if pos >= len(buffer):
            if eof:
                raise SourceFailure(
                    f"{name} ends after {count} items without its closing ]: the archive "
                    "looks truncated; download it again"
                )
            chunk = handle.read(CHUNK)
            eof = not chunk
            buffer = buffer[pos:] + chunk
            pos = 0
            continue
        if buffer[pos] == "]":
            return
        try:
            item, end = decoder.raw_decode(buffer, pos)
        except json.JSONDecodeError as error:
            # Most often the item continues in the next chunk; at the end it is broken.
            chunk = "" if eof else handle.read(CHUNK)
            if not chunk:
                raise SourceFailure(
                    f"{name}: item {count + 1} is not valid JSON ({error.msg}); the archive "
                    "looks damaged or truncated"
                ) from None
            buffer = buffer[pos:] + chunk
            pos = 0
            continue
        yield item
        count += 1
        pos = end


def read_account(archive: Archive) -> dict[str, Any] | None:
    """data/account.js's `account` object: the archive owner's id, handle and name."""
    name = archive.account_file()
    if name is None:
        return None
    with archive.open_text(name) as handle:
        for item in ytd_items(handle, name):
            if isinstance(item, dict) and isinstance(item.get("account"), dict):
                return item["account"]
    return None


def owner_person(account: dict[str, Any]) -> Person:
    """The archive's owner: account id, handle, display name and (their own) login email."""
    username = account.get("username") or None
    email = account.get("email")
    return Person(
        external_id=account.get("accountId") or None,
        username=username,
        name=account.get("accountDisplayName") or None,
        # The owner's own login address lets identity resolution join their other accounts.
        email=email if isinstance(email, str) and "@" in email else None,
        url=f"https://x.com/{username}" if username else None,
    )


def parse_created_at(value: str) -> datetime:
    """`Wed Oct 10 20:19:24 +0000 2018`, read without the locale strptime depends on."""
    try:
        _, month, day, clock, offset, year = value.split()
        hour, minute, second = (int(part) for part in clock.split(":"))
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        return datetime(int(year), MONTHS[month], int(day), hour, minute, second, tzinfo=zone)
    except (ValueError, KeyError, IndexError):
        raise ValueError(
            f"created_at {value!r} is not a date like 'Wed Oct 10 20:19:24 +0000 2018'"
        ) from None


def _count(value: Any) -> int | None:
    # Archives write counts as strings ("12"); the API as numbers.
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def tweet_records(tweet: dict[str, Any], owner: Person, source: str) -> list[ActivityRecord]:
    """The owner's tweet as a `tweet`, `reply` or `retweet`, plus one `mention` per account.

    Raises ValueError (or InvalidRecord) with a reason when the tweet cannot be read.
    """
    tweet_id = tweet.get("id_str") or tweet.get("id")
    if not isinstance(tweet_id, str | int) or not str(tweet_id).isdigit():
        raise ValueError("the tweet has no id_str")
    tweet_id = str(tweet_id)
    created = tweet.get("created_at")
    if not isinstance(created, str):
        raise ValueError(f"tweet {tweet_id} has no created_at")
    occurred_at = parse_created_at(created)
    text = html.unescape(tweet.get("full_text") or tweet.get("text") or "")
    entities = tweet.get("entities") or {}
    mentioned = [
        person(str(m.get("id_str") or "") or None, m.get("screen_name"), m.get("name"))
        for m in entities.get("user_mentions") or []
        if isinstance(m, dict) and (m.get("id_str") or m.get("screen_name"))
    ]
    by_handle = {p.username.lower(): p for p in mentioned if p.username}

    kind, target, parent_id = "tweet", None, ""
    retweet = RETWEET.match(text)
    reply_to_user = tweet.get("in_reply_to_user_id_str") or None
    if retweet:
        # The archive keeps no retweeted_status: the original author is the "RT @handle".
        kind = "retweet"
        handle = retweet["handle"]
        target = by_handle.get(handle.lower()) or person(None, handle)
    elif tweet.get("in_reply_to_status_id_str") or reply_to_user:
        kind = "reply"
        parent_id = tweet.get("in_reply_to_status_id_str") or ""
        if reply_to_user != owner.external_id:  # a thread's next part answers no one else
            handle = tweet.get("in_reply_to_screen_name")
            known = by_handle.get(handle.lower()) if handle else None
            target = person(reply_to_user, handle, known.name if known else None)

    properties: dict[str, Any] = {}
    for name in ("favorite_count", "retweet_count"):
        if (count := _count(tweet.get(name))) is not None:
            properties[name] = count
    if tweet.get("lang"):
        properties["lang"] = tweet["lang"]
    hashtags = [h.get("text") for h in entities.get("hashtags") or [] if isinstance(h, dict)]
    if hashtags:
        properties["hashtags"] = hashtags

    record = ActivityRecord(
        source=source,
        external_id=tweet_id,
        kind=kind,
        occurred_at=occurred_at,
        actor=owner,
        target=target,
        channel=CHANNEL,
        url=tweet_url(owner.username, tweet_id),
        body=text,
        # A tweet that answers nothing starts its own conversation; a reply's root is unknown.
        conversation_id="" if kind == "reply" else tweet_id,
        parent_id=parent_id,
        properties=properties,
    )
    if kind == "retweet":
        # A retweet's @handles are the original's mentions, not the owner's.
        return [record]
    skip = {owner.key} | ({target.key} if target and kind == "reply" else set())
    return [record, *mention_records(record, mentioned, skip=skip)]
