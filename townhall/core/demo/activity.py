"""What the demo community does: conversations on each source, as the sources record them.

Activities are generated as whole conversations, not independent events, so the
stream has real structure: a Slack thread is a message, replies that target its
author and reactions; a forum topic gets replies, likes and sometimes an accepted
solution (often from an employee); a GitHub issue gets comments, a pull request
gets reviews; a meetup event gets RSVPs and then attendees. Who takes part is drawn
by activity weight among the people active at that moment, so superusers dominate,
newcomers appear as the community grows and people who left fall silent.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from townhall.core.demo import vocabulary as words
from townhall.core.demo.people import DemoPerson
from townhall.core.records import ActivityRecord

# Relative activity by local hour (0–23) and by weekday (Monday first).
HOURS = (1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 19, 18, 14, 16, 18, 18, 16, 13, 10, 8, 7, 5, 3, 2)
WEEKDAYS = (1.0, 1.05, 1.05, 1.0, 0.85, 0.3, 0.25)
_HOUR_RANGE = tuple(range(24))
GROWTH = 2.5  # the last day of the window is this much busier than the first, plus one


class Timeline:
    """Moments in the window: busier as the community grows, on weekdays and in office hours."""

    def __init__(self, rng: random.Random, start: datetime, end: datetime) -> None:
        self.rng, self.start, self.end = rng, start, end
        days = (end - start).days
        weights = [
            (1 + GROWTH * d / days) * WEEKDAYS[(start + timedelta(days=d)).weekday()]
            for d in range(days)
        ]
        self._days = list(range(days))
        self._day_weights = list(itertools.accumulate(weights))
        self._hour_weights = list(itertools.accumulate(HOURS))

    def day(self) -> datetime:
        d = self.rng.choices(self._days, cum_weights=self._day_weights)[0]
        return self.start + timedelta(days=d)

    def moment(self, day: datetime, utc_offset: int) -> datetime:
        """A moment of `day` in the person's office-hours rhythm, in UTC."""
        local_hour = self.rng.choices(_HOUR_RANGE, cum_weights=self._hour_weights)[0]
        seconds = (local_hour - utc_offset) * 3600 + self.rng.randrange(3600)
        return day + timedelta(seconds=seconds, microseconds=self.rng.randrange(1_000_000))


class Crowd:
    """The people present on one source, picked by weight among those active at a moment."""

    def __init__(self, rng: random.Random, people: list[DemoPerson], source: str) -> None:
        self.rng, self.source = rng, source
        self.everyone = [p for p in people if source in p.identities and not p.is_bot]
        self.staff = [p for p in self.everyone if p.is_employee]
        self._weights = list(itertools.accumulate(p.weight for p in self.everyone))
        self._staff_weights = list(itertools.accumulate(p.weight for p in self.staff))

    def pick(
        self, moment: datetime, *, exclude: DemoPerson | None = None, staff_share: float = 0.0
    ) -> DemoPerson | None:
        """Someone active at `moment` (an employee with probability `staff_share`)."""
        staff = self.staff and self.rng.random() < staff_share
        pool, weights = (
            (self.staff, self._staff_weights) if staff else (self.everyone, self._weights)
        )
        if not pool:
            return None
        # Most first draws succeed; draw a few, then many, rather than many every time.
        for k in (3, 40):
            for candidate in self.rng.choices(pool, cum_weights=weights, k=k):
                if candidate is not exclude and candidate.active(moment):
                    return candidate
        return None


class Stream:
    """Collects ActivityRecords, keeping external ids unique and moments inside the window."""

    def __init__(self, rng: random.Random, end: datetime) -> None:
        self.rng, self.end = rng, end
        self.records: list[ActivityRecord] = []
        self.done: set[tuple[int, str]] = set()  # (person index, source) that acted
        self._seen: set[tuple[str, str]] = set()
        self._counter = itertools.count(1)
        self.counts: dict[str, int] = {}
        self.tweets: list[tuple[ActivityRecord, DemoPerson]] = []

    def next_number(self) -> int:
        return next(self._counter)

    def add(
        self,
        source: str,
        kind: str,
        person: DemoPerson,
        moment: datetime,
        external_id: str,
        *,
        target: DemoPerson | None = None,
        **fields: Any,
    ) -> bool:
        """Record one activity; False when it falls after the window or repeats an id."""
        if moment > self.end or (source, external_id) in self._seen:
            return False
        self._seen.add((source, external_id))
        self.done.add((person.index, source))
        self.records.append(
            ActivityRecord(
                source=source,
                external_id=external_id,
                kind=kind,
                occurred_at=moment,
                actor=person.identities[source],
                target=target.identities[source] if target is not None else None,
                **fields,
            )
        )
        self.counts[source] = self.counts.get(source, 0) + 1
        return True

    def text(self, templates: tuple[str, ...]) -> str:
        return self.rng.choice(templates).format(topic=self.rng.choice(words.TOPICS))


def _later(rng: random.Random, moment: datetime, mean_minutes: float) -> datetime:
    return moment + timedelta(minutes=rng.expovariate(1 / mean_minutes) + 1)


def _count(rng: random.Random, mean: float) -> int:
    """A skewed small count: many conversations get none, a few get a lot."""
    return min(int(rng.expovariate(1 / mean) + 0.5), 25) if mean else 0


def slack_thread(s: Stream, crowd: Crowd, day: datetime, timeline: Timeline) -> None:
    channel = s.rng.choice(words.CHANNELS["slack"])
    starter = crowd.pick(day + timedelta(hours=12))
    if starter is None:
        return
    moment = timeline.moment(day, starter.utc_offset)
    # Slack ids: the channel's id and the message's timestamp.
    root = f"C0{words.CHANNELS['slack'].index(channel):04d}Q-{moment.timestamp():.6f}"
    s.add(
        "slack",
        "message",
        starter,
        moment,
        root,
        channel=channel,
        body=s.text(words.MESSAGE_BODIES),
        conversation_id=root,
    )
    authors = [(root, starter, moment)]
    helpful = 0.35 if channel == "#help" else 0.1
    for _ in range(_count(s.rng, 2.2)):
        moment = _later(s.rng, moment, 70)
        replier = crowd.pick(moment, exclude=starter, staff_share=helpful)
        if replier is None:
            continue
        target = starter if s.rng.random() < 0.7 else authors[-1][1]
        reply = f"{root}/{moment.timestamp():.6f}"
        if s.add("slack", "thread_reply", replier, moment, reply, target=target, channel=channel,
                 body=s.text(words.MESSAGE_BODIES), conversation_id=root, parent_id=root):  # fmt: skip
            authors.append((reply, replier, moment))
    for message, author, at in authors:
        for _ in range(_count(s.rng, 1.2)):
            reactor = crowd.pick(at, exclude=author)
            if reactor is not None:
                emoji = s.rng.choice(words.REACTIONS)
                s.add("slack", "reaction", reactor, _later(s.rng, at, 120),
                      f"{message}:{emoji}:{reactor.index}", target=author, channel=channel,
                      conversation_id=root, parent_id=message, properties={"emoji": emoji})  # fmt: skip


def forum_topic(s: Stream, crowd: Crowd, day: datetime, timeline: Timeline) -> None:
    category = s.rng.choice(words.CHANNELS["forum"])
    starter = crowd.pick(day + timedelta(hours=12))
    if starter is None:
        return
    moment = timeline.moment(day, starter.utc_offset)
    number = 1000 + s.next_number()
    topic = f"topic-{number}"
    title = s.text(words.IDEA_TITLES if category == "Ideas" else words.QUESTION_TITLES)
    url = f"https://community.quanta.dev/t/{number}"
    s.add("forum", "topic_created", starter, moment, topic, channel=category, title=title, url=url,
          body=s.text(words.MESSAGE_BODIES), conversation_id=topic)  # fmt: skip
    posts = [(topic, starter, moment)]
    qa = category == "Q&A"
    for k in range(_count(s.rng, 3.0 if qa else 2.0)):
        moment = _later(s.rng, moment, 300)
        replier = crowd.pick(moment, exclude=starter, staff_share=0.3 if qa else 0.1)
        if replier is None:
            continue
        parent, parent_author, _ = posts[0] if s.rng.random() < 0.7 else posts[-1]
        post = f"post-{number}-{k + 2}"
        if s.add("forum", "reply", replier, moment, post, target=parent_author, channel=category,
                 title=title, url=f"{url}/{k + 2}", body=s.text(words.MESSAGE_BODIES),
                 conversation_id=topic, parent_id=parent):  # fmt: skip
            posts.append((post, replier, moment))
    for post, author, at in posts:
        for _ in range(_count(s.rng, 1.5)):
            liker = crowd.pick(at, exclude=author)
            if liker is not None:
                s.add("forum", "like", liker, _later(s.rng, at, 600), f"like-{post}-{liker.index}",
                      target=author, channel=category, conversation_id=topic, parent_id=post)  # fmt: skip
    answers = posts[1:]
    if qa and answers and s.rng.random() < 0.55:
        # The asker accepts an answer, an employee's when there is one.
        staff = [a for a in answers if a[1].is_employee]
        post, author, at = s.rng.choice(staff or answers)
        s.add("forum", "solution_accepted", starter, _later(s.rng, at, 240), f"solution-{topic}",
              target=author, channel=category, title=title, conversation_id=topic, parent_id=post)  # fmt: skip


def github_activity(s: Stream, crowd: Crowd, day: datetime, timeline: Timeline) -> None:
    repo = s.rng.choice(words.CHANNELS["github"])
    roll = s.rng.random()
    person = crowd.pick(day + timedelta(hours=12))
    if person is None:
        return
    moment = timeline.moment(day, person.utc_offset)
    if roll < 0.25 or roll < 0.35:
        kind = "star" if roll < 0.25 else "fork"
        s.add("github", kind, person, moment, f"{repo}:{kind}:{person.index}", channel=repo,
              url=f"https://github.com/{repo}")  # fmt: skip
        return
    number = s.next_number()
    item = f"{repo}#{number}"
    pull = roll > 0.7
    kind, titles = ("pr_opened", words.PR_TITLES) if pull else ("issue_opened", words.ISSUE_TITLES)
    path = "pull" if pull else "issues"
    url = f"https://github.com/{repo}/{path}/{number}"
    s.add("github", kind, person, moment, item, channel=repo, title=s.text(titles), url=url,
          conversation_id=item)  # fmt: skip
    last_author = person
    for k in range(_count(s.rng, 2.0)):
        moment = _later(s.rng, moment, 600)
        commenter = crowd.pick(moment, exclude=person, staff_share=0.5)
        if commenter is not None and s.add(
            "github", "issue_comment", commenter, moment, f"{item}/comment/{k}", target=last_author,
            channel=repo, url=url, body=s.text(words.MESSAGE_BODIES), conversation_id=item,
            parent_id=item,
        ):  # fmt: skip
            last_author = commenter
    if pull:
        for k in range(1 + (s.rng.random() < 0.4)):
            reviewer = crowd.pick(moment, exclude=person, staff_share=0.85)
            if reviewer is not None:
                s.add("github", "pr_review", reviewer, _later(s.rng, moment, 900), f"{item}/review/{k}",
                      target=person, channel=repo, url=url, conversation_id=item, parent_id=item,
                      properties={"state": s.rng.choice(("approved", "changes_requested", "commented"))})  # fmt: skip


def tweet(s: Stream, crowd: Crowd, day: datetime, timeline: Timeline) -> None:
    person = crowd.pick(day + timedelta(hours=12))
    if person is None:
        return
    moment = timeline.moment(day, person.utc_offset)
    status = str((int(moment.timestamp() * 1000) << 22) + s.next_number())
    roll = s.rng.random()
    if roll < 0.3 and s.tweets:
        original, author = s.rng.choice(s.tweets[-50:])
        if author is not person:
            s.add("twitter", "retweet", person, moment, status, target=author,
                  channel=original.channel, parent_id=original.external_id,
                  conversation_id=original.conversation_id)  # fmt: skip
            return
    if roll < 0.6:
        other = crowd.pick(moment, exclude=person, staff_share=0.4)
        if other is not None:
            s.add("twitter", "mention", person, moment, status, target=other, channel="@quantadev",
                  body=f"@{other.identities['twitter'].username} " + s.text(words.TWEETS),
                  url=f"https://x.com/i/status/{status}", conversation_id=status)  # fmt: skip
            return
    if s.add("twitter", "tweet", person, moment, status, channel=s.rng.choice(words.CHANNELS["twitter"]),
             body=s.text(words.TWEETS), url=f"https://x.com/i/status/{status}", conversation_id=status):  # fmt: skip
        s.tweets.append((s.records[-1], person))


def meetup_event(s: Stream, crowd: Crowd, day: datetime, timeline: Timeline) -> None:
    group = s.rng.choice(words.CHANNELS["meetup"])
    number = 300_000 + s.next_number()
    event = f"event-{number}"
    starts = day + timedelta(hours=17, minutes=30)
    title = s.text(words.MEETUP_TITLES)
    seen: set[int] = set()
    for _ in range(8 + _count(s.rng, 18)):
        rsvp_at = starts - timedelta(hours=s.rng.uniform(4, 14 * 24))
        person = crowd.pick(rsvp_at, staff_share=0.08)
        if person is None or person.index in seen:
            continue
        seen.add(person.index)
        common: dict[str, Any] = {"channel": group, "title": title, "conversation_id": event,
                                  "url": f"https://www.meetup.com/quanta/events/{number}/"}  # fmt: skip
        s.add("meetup", "rsvp", person, rsvp_at, f"{event}:rsvp:{person.index}", **common)
        if s.rng.random() < 0.65 and person.active(starts):
            s.add(
                "meetup", "attended", person, starts, f"{event}:attended:{person.index}", **common
            )


BUILDERS: dict[str, Callable[[Stream, Crowd, datetime, Timeline], None]] = {
    "slack": slack_thread,
    "forum": forum_topic,
    "github": github_activity,
    "twitter": tweet,
    "meetup": meetup_event,
}
