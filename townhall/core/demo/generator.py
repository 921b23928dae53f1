"""`generate()`: the whole demo community as ActivityRecords, deterministic from a seed.

The same (seed, size, end) always gives the same people and the same records, in
the same order: every random choice comes from one `random.Random(seed)` and no
step depends on hashing or set order. `end` defaults to today (midnight UTC), so
"the last 18 months" means the same thing all day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from townhall.core.demo import vocabulary as words
from townhall.core.demo.activity import BUILDERS, Crowd, Stream, Timeline
from townhall.core.demo.people import DemoPerson, make_bots, make_people
from townhall.core.records import ActivityRecord

DEFAULT_SEED = 42
# Share of the activity budget each source gets.
SOURCE_SHARES = {"slack": 0.45, "forum": 0.22, "github": 0.18, "twitter": 0.08, "meetup": 0.07}


@dataclass(frozen=True)
class DemoSize:
    """How big the demo community is; the defaults are what `townhall demo` seeds."""

    people: int = 2400
    employees: int = 24
    activities: int = 60_000
    days: int = 548  # 18 months


@dataclass
class DemoCommunity:
    """The generated community: its people (the ground truth of who is who) and records."""

    seed: int
    size: DemoSize
    start: datetime
    end: datetime
    people: list[DemoPerson]
    bots: list[DemoPerson]
    records: list[ActivityRecord] = field(default_factory=list)

    def identities_of(self, person: DemoPerson) -> list[tuple[str, str]]:
        """(source, identity key) of each account of `person`; every one acts in the records."""
        return [(source, identity.key) for source, identity in person.identities.items()]

    @property
    def employees(self) -> list[DemoPerson]:
        return [p for p in self.people if p.is_employee]


def generate(
    seed: int = DEFAULT_SEED, *, size: DemoSize | None = None, end: datetime | None = None
) -> DemoCommunity:
    """Build the demo community for `seed` (see the module docstring)."""
    size = size or DemoSize()
    end = end or datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)
    start = end - timedelta(days=size.days)
    rng = random.Random(seed)
    people = make_people(rng, size.people, start=start, end=end, employees=size.employees)
    bots = make_bots(start=start, end=end)
    timeline = Timeline(rng, start, end)
    stream = Stream(rng, end)
    crowds = {source: Crowd(rng, people, source) for source in SOURCE_SHARES}
    for source, share in SOURCE_SHARES.items():
        budget = int(size.activities * share)
        builder = BUILDERS[source]
        while stream.counts.get(source, 0) < budget:
            builder(stream, crowds[source], timeline.day(), timeline)
    _bot_activity(stream, bots, crowds, timeline)
    _first_steps(stream, people, timeline)
    records = sorted(stream.records, key=lambda r: (r.occurred_at, r.source, r.external_id))
    return DemoCommunity(
        seed=seed, size=size, start=start, end=end, people=people, bots=bots, records=records
    )


def _bot_activity(
    stream: Stream, bots: list[DemoPerson], crowds: dict[str, Crowd], timeline: Timeline
) -> None:
    """Release notes, standups, dependency bumps, CI comments and forum housekeeping."""
    rng = stream.rng
    by_login = {bot.handle: bot for bot in bots}
    day = timeline.start + timedelta(days=3)
    week = 0
    while day < timeline.end:
        week += 1
        moment = day + timedelta(hours=9)
        if week % 2 == 0:
            release = f"C0RELEASE-{moment.timestamp():.6f}"
            stream.add("slack", "message", by_login["quanta-release-bot"], moment, release,
                       channel="#announcements", body=f"{words.PRODUCT} 3.{week // 2} is out",
                       conversation_id=release)  # fmt: skip
        stream.add("slack", "message", by_login["standup-bot"], moment, f"C0STANDUP-{moment.timestamp():.6f}",
                   channel="#contributors", body="Weekly contributors' standup: what are you working on?")  # fmt: skip
        for login in ("dependabot[bot]", "renovate[bot]"):
            if rng.random() < 0.6:
                repo = rng.choice(words.CHANNELS["github"])
                number = stream.next_number()
                stream.add("github", "pr_opened", by_login[login], moment, f"{repo}#{number}",
                           channel=repo, title=f"Bump dependencies ({week})", conversation_id=f"{repo}#{number}")  # fmt: skip
        contributor = crowds["github"].pick(moment)
        if contributor is not None:
            repo = rng.choice(words.CHANNELS["github"])
            item = f"{repo}#ci-{week}"
            stream.add("github", "issue_comment", by_login["quanta-ci[bot]"], moment, f"{item}/ci",
                       target=contributor, channel=repo, body="All checks passed.", conversation_id=item)  # fmt: skip
        if week % 4 == 0:
            stream.add("forum", "topic_created", by_login["system"], moment, f"digest-{week}",
                       channel="Announcements", title=f"Community digest #{week // 4}")  # fmt: skip
        day += timedelta(days=7)


def _first_steps(stream: Stream, people: list[DemoPerson], timeline: Timeline) -> None:
    """Give every account that never acted one small first activity, so every identity exists.

    In life these are the quiet majority: a star, a hello in #general, one RSVP.
    """
    rng = stream.rng
    for person in people:
        for source in person.identities:
            if (person.index, source) in stream.done:
                continue
            latest = min(person.left, timeline.end) - timedelta(hours=1)
            span = max((latest - person.joined).total_seconds(), 3600)
            # Never after the window closes, or the account would stay without activity.
            moment = min(person.joined + timedelta(seconds=rng.random() * span), timeline.end)
            key = f"first-{person.index}"
            if source == "slack":
                stream.add("slack", "message", person, moment, f"C0GENERAL-{key}", channel="#general",
                           body="Hi all 👋 just joined, using Quanta at work", conversation_id=f"C0GENERAL-{key}")  # fmt: skip
            elif source == "forum":
                stream.add("forum", "like", person, moment, f"like-{key}", channel="Q&A")
            elif source == "github":
                repo = words.CHANNELS["github"][0]
                stream.add(
                    "github", "star", person, moment, f"{repo}:star:{person.index}", channel=repo
                )
            elif source == "twitter":
                stream.add("twitter", "tweet", person, moment, f"{key}", channel="@quantadev",
                           body=stream.text(words.TWEETS))  # fmt: skip
            else:
                stream.add("meetup", "rsvp", person, moment, f"event-online:rsvp:{person.index}",
                           channel="Quanta Online", title="Quanta Online: monthly community call")  # fmt: skip
