"""Streaming reader of a Stack Exchange data dump folder (what it yields: see source.py).

The files are read in this order, each streamed (never loaded whole):

1. Users.xml — display names and profile links, one Person per user id;
2. Posts.xml, first pass — compact int maps of the posts kept (all of them, or those
   under the tag filter): post → question, post → owner, question → channel tag, the
   accepted answers. About 250 bytes a post: fine up to millions; with a tag filter the
   maps hold only that tag's posts, so Stack Overflow's 60 million posts fit too;
3. Votes.xml — favorites and bounties become activities; accept days and up/down counts
   are remembered for the kept posts;
4. Posts.xml, second pass — questions, answers and accepted solutions;
5. Comments.xml, 6. Badges.xml.

Votes come before the second pass so that a post carries its vote counts and an accepted
solution its accept day without holding the biggest file's rows in memory. The order is
fixed, so every run yields the same records in the same order (imports resume by position).

The loops are written for speed (a dump has tens of millions of rows): the fast path
assumes a well-formed row and, only when it fails, `explain()` works out which attribute
was wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from townhall.connectors.stackexchange.site import (
    BADGE_CLASSES,
    COMMUNITY_USER_ID,
    Site,
    html_excerpt,
    parse_tags,
    post_id,
    primary_tag,
)
from townhall.connectors.stackexchange.xmlrows import explain, iter_rows, row_xml, utc
from townhall.core.records import ActivityRecord, InvalidRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

TABLES = ("Users.xml", "Posts.xml", "Votes.xml", "Comments.xml", "Badges.xml")
QUESTION, ANSWER = "1", "2"
ACCEPTED, UP, DOWN, FAVORITE, BOUNTY_START, BOUNTY_CLOSE = "1", "2", "3", "5", "8", "9"
# The display name a deleted account leaves behind stays in the quarantined row, not in the
# reason, so that the quarantine summary counts these under one reason.
DELETED_AUTHOR = (
    "author deleted: the row has no {field} (its {name_field} is the dump's placeholder for "
    "a deleted account, not a person); not attributed to anyone"
)
_ROW_ERRORS = (KeyError, ValueError, InvalidRecord)


class DumpReader:
    """Yields the records of one dump folder; see the module docstring for the passes."""

    def __init__(self, folder: Path, *, source: str, site: Site, tags: Iterable[str]) -> None:
        self.folder = folder
        self.source = source
        self.site = site
        self.wanted = frozenset(t.strip().lower() for t in tags if t.strip())
        self.people: dict[int, Person] = {}
        self.question_of: dict[int, int] = {}  # kept question or answer → its question
        self.owner: dict[int, int] = {}  # kept post → owner (absent: a deleted account)
        self.channel: dict[int, str] = {}  # kept question → its channel tag
        self.accepted: set[int] = set()  # accepted answers
        self.accept_day: dict[int, datetime] = {}
        self.up: dict[int, int] = {}
        self.down: dict[int, int] = {}
        self.participants: set[int] = set()  # with a tag filter: users of the kept posts
        self._days: dict[str, datetime] = {}

    def files(self) -> dict[str, Path]:
        """The dump's files by canonical name (matched case-insensitively)."""
        if not self.folder.is_dir():
            raise SourceFailure(
                f"{self.folder} is not a folder: extract the site's .7z archive and pass the "
                f"folder holding {', '.join(TABLES)}"
            )
        present = {p.name.lower(): p for p in self.folder.iterdir() if p.is_file()}
        found = {name: present[name.lower()] for name in TABLES if name.lower() in present}
        if not found:
            raise SourceFailure(
                f"{self.folder} holds no Stack Exchange dump file (looked for "
                f"{', '.join(TABLES)}; found {', '.join(sorted(present)) or 'nothing'})"
            )
        return found

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        files = self.files()
        if "Users.xml" in files:
            yield from self._users(files["Users.xml"])
        if "Posts.xml" in files:
            self._index_posts(files["Posts.xml"])
        if "Votes.xml" in files:
            yield from self._votes(files["Votes.xml"])
        if "Posts.xml" in files:
            yield from self._posts(files["Posts.xml"])
        if "Comments.xml" in files:
            yield from self._comments(files["Comments.xml"])
        if "Badges.xml" in files:
            yield from self._badges(files["Badges.xml"])

    # --- helpers -------------------------------------------------------------------------

    def person(self, user: int) -> Person:
        known = self.people.get(user)
        if known is None:
            # A user missing from Users.xml (or no Users.xml): keep the id and the link.
            known = self.people[user] = Person(
                external_id=str(user),
                url=self.site.link(f"/users/{user}"),
                is_bot=user == COMMUNITY_USER_ID,
            )
        return known

    def _author(self, row: dict[str, str], field: str) -> Person | None:
        user = row.get(field)
        if not user:
            return None
        uid = int(user)
        if self.wanted:
            self.participants.add(uid)
        return self.person(uid)

    @staticmethod
    def _deleted(path: Path, line: int, row: dict[str, str], field: str, name: str) -> Envelope:
        return Envelope(
            position=f"{path.name}:{line}",
            payload=None,
            error=DELETED_AUTHOR.format(field=field, name_field=name),
            raw=row_xml(row),
        )

    @staticmethod
    def _bad(path: Path, line: int, what: str, row: dict[str, str], reason: str) -> Envelope:
        return Envelope(
            position=f"{path.name}:{line}",
            payload=None,
            error=f"unreadable {what} in {path.name}: {reason}",
            raw=row_xml(row),
        )

    def _day(self, value: str) -> datetime:
        # Vote dates are days (T00:00:00): few distinct values over millions of rows.
        day = self._days.get(value)
        if day is None:
            day = self._days[value] = utc(value)
        return day

    # --- users ---------------------------------------------------------------------------

    def _users(self, path: Path) -> Iterator[Envelope]:
        link = self.site.link
        for item in iter_rows(path):
            if isinstance(item, Envelope):
                yield item
                continue
            line, row = item
            try:
                user = int(row["Id"])
                self.people[user] = Person(
                    external_id=str(user),
                    name=row.get("DisplayName"),
                    url=link(f"/users/{user}"),
                    avatar_url=row.get("ProfileImageUrl"),
                    # The profile's website: a personal site, or another of their
                    # profiles (GitHub, X), which identity resolution reads as evidence.
                    links=[website] if (website := row.get("WebsiteUrl", "").strip()) else None,
                    is_bot=user == COMMUNITY_USER_ID,
                )
            except _ROW_ERRORS as error:
                yield self._bad(path, line, "user", row, explain(row, error, required=("Id",)))

    # --- posts ---------------------------------------------------------------------------

    def _index_posts(self, path: Path) -> None:
        """First pass: the maps of the posts kept. Bad rows are reported by the second pass."""
        question_of, owner, channel, wanted = (
            self.question_of,
            self.owner,
            self.channel,
            self.wanted,
        )
        early: dict[int, tuple[int, int | None]] = {}  # answers listed before their question
        for item in iter_rows(path, drop="Body"):
            if isinstance(item, Envelope):
                break
            row = item[1]
            kind = row.get("PostTypeId")
            try:
                post = int(row["Id"])
                # A bad owner must not drop the post here: the second pass reports the row.
                text = row.get("OwnerUserId", "")
                user = int(text) if text.lstrip("-").isdigit() else None
                if kind == ANSWER:
                    question = int(row["ParentId"])
                    if question in question_of:
                        question_of[post] = question
                        if user is not None:
                            owner[post] = user
                    elif question > post:
                        # Rows are in Id order, so a question with a higher id is still to come
                        # (answers merged into a newer question); settle these at the end.
                        early[post] = (question, user)
                elif kind == QUESTION:
                    tags = parse_tags(row.get("Tags", ""))
                    if wanted and wanted.isdisjoint(tags):
                        continue
                    question_of[post] = post
                    if user is not None:
                        owner[post] = user
                    if tags:
                        channel[post] = primary_tag(tags, wanted)
                    if row.get("AcceptedAnswerId"):
                        self.accepted.add(int(row["AcceptedAnswerId"]))
            except _ROW_ERRORS:
                continue
        for post, (question, user) in early.items():
            if question in question_of:
                question_of[post] = question
                if user is not None:
                    owner[post] = user

    def _posts(self, path: Path) -> Iterator[ActivityRecord | Envelope]:
        question_of = self.question_of
        for item in iter_rows(path):
            if isinstance(item, Envelope):
                yield item
                continue
            line, row = item
            kind = row.get("PostTypeId")
            if kind != QUESTION and kind != ANSWER:
                continue  # tag wikis, moderator nominations, privilege wikis: not participation
            try:
                post = int(row["Id"])
                question = question_of.get(post)
                if question is None:
                    if kind == ANSWER:
                        int(row["ParentId"])  # an unreadable ParentId is reported, not skipped
                    continue  # outside the tag filter, or an answer to a question not in the dump
                if kind == QUESTION:
                    yield self._question(path, line, row, post)
                else:
                    yield from self._answer(path, line, row, post, question)
            except _ROW_ERRORS as error:
                reason = explain(
                    row,
                    error,
                    required=("Id", "CreationDate"),
                    numbers=("OwnerUserId", "ParentId", "AcceptedAnswerId"),
                    dates=("CreationDate", "ClosedDate"),
                )
                yield self._bad(path, line, "post", row, reason)

    def _counts(self, post: int, row: dict[str, str], names: dict[str, str]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for key, attribute in names.items():
            value = row.get(attribute)
            if value:
                properties[key] = int(value)
        if post in self.up:
            properties["up_votes"] = self.up[post]
        if post in self.down:
            properties["down_votes"] = self.down[post]
        return properties

    _QUESTION_COUNTS = {
        "score": "Score",
        "views": "ViewCount",
        "answers": "AnswerCount",
        "comments": "CommentCount",
        "favorites": "FavoriteCount",
    }
    _ANSWER_COUNTS = {"score": "Score", "comments": "CommentCount"}

    def _question(
        self, path: Path, line: int, row: dict[str, str], post: int
    ) -> ActivityRecord | Envelope:
        occurred_at = utc(row["CreationDate"])
        asker = self._author(row, "OwnerUserId")
        if asker is None:
            return self._deleted(path, line, row, "OwnerUserId", "OwnerDisplayName")
        properties = self._counts(post, row, self._QUESTION_COUNTS)
        properties["tags"] = parse_tags(row.get("Tags", ""))
        if row.get("AcceptedAnswerId"):
            properties["accepted_answer"] = f"a:{row['AcceptedAnswerId']}"
        if row.get("ClosedDate"):
            properties["closed_at"] = utc(row["ClosedDate"]).isoformat()
        return ActivityRecord(
            source=self.source,
            external_id=f"q:{post}",
            kind="question",
            occurred_at=occurred_at,
            actor=asker,
            channel=self.channel.get(post, ""),
            title=row.get("Title", ""),
            url=self.site.link(f"/q/{post}"),
            body=html_excerpt(row.get("Body", "")),
            conversation_id=f"q:{post}",
            properties=properties,
        )

    def _answer(
        self, path: Path, line: int, row: dict[str, str], post: int, question: int
    ) -> Iterator[ActivityRecord | Envelope]:
        occurred_at = utc(row["CreationDate"])
        asker = self.owner.get(question)
        answerer = self._author(row, "OwnerUserId")
        accepted = post in self.accepted
        channel = self.channel.get(question, "")
        if answerer is None:
            yield self._deleted(path, line, row, "OwnerUserId", "OwnerDisplayName")
        else:
            properties = self._counts(post, row, self._ANSWER_COUNTS)
            properties["accepted"] = accepted
            yield ActivityRecord(
                source=self.source,
                external_id=f"a:{post}",
                kind="answer",
                occurred_at=occurred_at,
                actor=answerer,
                target=self.person(asker) if asker is not None else None,
                channel=channel,
                url=self.site.link(f"/a/{post}"),
                body=html_excerpt(row.get("Body", "")),
                conversation_id=f"q:{question}",
                parent_id=f"q:{question}",
                properties=properties,
            )
        if not accepted:
            return
        if asker is None:
            yield Envelope(
                position=f"{path.name}:{line}:accept",
                payload=None,
                error="accepted by a deleted account: the question has no OwnerUserId; the "
                "acceptance is not attributed to anyone",
                raw=row_xml(row),
            )
            return
        # Accept votes carry only a day (midnight UTC): never place the accept before the
        # answer existed.
        day = self.accept_day.get(post)
        yield ActivityRecord(
            source=self.source,
            external_id=f"accept:{post}",
            kind="solution_accepted",
            occurred_at=max(day, occurred_at) if day is not None else occurred_at,
            actor=self.person(asker),
            target=answerer,
            channel=channel,
            url=self.site.link(f"/a/{post}"),
            conversation_id=f"q:{question}",
            parent_id=f"a:{post}",
            properties={"time_from": "accept vote" if day is not None else "answer creation"},
        )

    # --- votes ---------------------------------------------------------------------------

    def _votes(self, path: Path) -> Iterator[ActivityRecord | Envelope]:
        open_bounty: dict[int, int] = {}  # question → who started its open bounty
        question_of, up, down = self.question_of, self.up, self.down
        for item in iter_rows(path):
            if isinstance(item, Envelope):
                yield item
                continue
            line, row = item
            try:
                question = question_of.get(int(row["PostId"]))
                if question is None:
                    continue  # a vote on a tag wiki, a filtered-out or a deleted post
                kind = row["VoteTypeId"]
                # Up and down votes are anonymous in the dump: counts on the post, not activities.
                if kind == UP:
                    post = int(row["PostId"])
                    up[post] = up.get(post, 0) + 1
                elif kind == DOWN:
                    post = int(row["PostId"])
                    down[post] = down.get(post, 0) + 1
                elif kind == ACCEPTED:
                    self.accept_day[int(row["PostId"])] = self._day(row["CreationDate"])
                elif kind in (FAVORITE, BOUNTY_START, BOUNTY_CLOSE):
                    record = self._vote(row, kind, question, open_bounty)
                    if record is not None:
                        yield record
            except _ROW_ERRORS as error:
                reason = explain(
                    row,
                    error,
                    required=("Id", "PostId", "VoteTypeId", "CreationDate"),
                    numbers=("Id", "PostId", "UserId", "BountyAmount"),
                    dates=("CreationDate",),
                )
                yield self._bad(path, line, "vote", row, reason)

    def _vote(
        self, row: dict[str, str], kind: str, question: int, open_bounty: dict[int, int]
    ) -> ActivityRecord | None:
        post = int(row["PostId"])
        voter = int(row["UserId"]) if row.get("UserId") else None
        if kind == BOUNTY_CLOSE:
            # The close vote sits on the awarded answer and names no user: the giver is whoever
            # started the open bounty on its question.
            voter = open_bounty.pop(question, None)
            if voter is None or post == question:
                return None
            activity = "bounty_awarded"
        elif voter is None:
            return None  # a favorite or bounty without its user: nobody to credit
        elif kind == BOUNTY_START:
            open_bounty[question] = voter
            activity = "bounty"
        else:
            activity = "favorite"
        if self.wanted:
            self.participants.add(voter)
        owner = self.owner.get(post)
        amount = row.get("BountyAmount")
        return ActivityRecord(
            source=self.source,
            external_id=f"vote:{int(row['Id'])}",
            kind=activity,
            occurred_at=self._day(row["CreationDate"]),
            actor=self.person(voter),
            target=self.person(owner) if owner is not None else None,
            channel=self.channel.get(question, ""),
            url=self.site.link(f"/q/{post}" if post == question else f"/a/{post}"),
            conversation_id=f"q:{question}",
            parent_id=post_id(post, question),
            properties={"bounty_amount": int(amount)} if amount else {},
        )

    # --- comments and badges -------------------------------------------------------------

    def _comments(self, path: Path) -> Iterator[ActivityRecord | Envelope]:
        question_of, owner, channel = self.question_of, self.owner, self.channel
        source, link = self.source, self.site.link
        for item in iter_rows(path):
            if isinstance(item, Envelope):
                yield item
                continue
            line, row = item
            try:
                post = int(row["PostId"])
                question = question_of.get(post)
                if question is None:
                    continue  # on a tag wiki, a filtered-out or a deleted post
                comment = int(row["Id"])
                occurred_at = utc(row["CreationDate"])
                actor = self._author(row, "UserId")
                if actor is None:
                    yield self._deleted(path, line, row, "UserId", "UserDisplayName")
                    continue
                author = owner.get(post)
                score = row.get("Score")
                yield ActivityRecord(
                    source=source,
                    external_id=f"c:{comment}",
                    kind="comment",
                    occurred_at=occurred_at,
                    actor=actor,
                    target=self.person(author) if author is not None else None,
                    channel=channel.get(question, ""),
                    url=link(f"/posts/comments/{comment}"),
                    body=row.get("Text", ""),
                    conversation_id=f"q:{question}",
                    parent_id=f"q:{post}" if post == question else f"a:{post}",
                    properties={"score": int(score)} if score else {},
                )
            except _ROW_ERRORS as error:
                reason = explain(
                    row,
                    error,
                    required=("Id", "PostId", "CreationDate"),
                    numbers=("Id", "PostId", "UserId", "Score"),
                    dates=("CreationDate",),
                )
                yield self._bad(path, line, "comment", row, reason)

    def _badges(self, path: Path) -> Iterator[ActivityRecord | Envelope]:
        for item in iter_rows(path):
            if isinstance(item, Envelope):
                yield item
                continue
            line, row = item
            try:
                user = int(row["UserId"])
                if self.wanted and user not in self.participants:
                    continue  # with a tag filter: only people who took part under those tags
                name = row["Name"]
                tag_based = row.get("TagBased", "").lower() == "true"
                yield ActivityRecord(
                    source=self.source,
                    external_id=f"badge:{int(row['Id'])}",
                    kind="badge_earned",
                    occurred_at=utc(row["Date"]),
                    actor=self.person(user),
                    channel=name if tag_based else "",
                    title=name,
                    url=self.site.link(f"/users/{user}?tab=badges"),
                    properties={
                        "class": BADGE_CLASSES.get(row.get("Class", ""), row.get("Class", "")),
                        "tag_based": tag_based,
                    },
                )
            except _ROW_ERRORS as error:
                reason = explain(
                    row,
                    error,
                    required=("Id", "UserId", "Name", "Date"),
                    numbers=("Id", "UserId"),
                    dates=("Date",),
                )
                yield self._bad(path, line, "badge", row, reason)
