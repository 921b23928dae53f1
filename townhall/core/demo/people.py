"""The demo community's people: who they are, when they were around, and how each source sees them.

A person is one human; an identity is how one source shows them. The same person
looks different from source to source, as in life: their work email on Slack and on
the forum (resolvable by email), a GitHub noreply address and a handle, an ASCII
spelling of their name on a meetup RSVP, no email at all on Twitter (resolvable
only by name or handle similarity). The generator keeps who is who (the ground
truth), so identity resolution can be measured against it.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from townhall.core.demo import vocabulary as words
from townhall.core.records import Person

# Share of people present on each source (everyone has at least one).
PRESENCE = {"slack": 0.62, "forum": 0.55, "github": 0.33, "twitter": 0.2, "meetup": 0.16}
EMPLOYEE_PRESENCE = {"slack": 1.0, "forum": 0.8, "github": 0.6, "twitter": 0.35, "meetup": 0.45}
# UTC offsets of where people live, with how common each is.
TIMEZONES = ((-8, 12), (-5, 18), (-3, 6), (0, 10), (1, 22), (2, 6), (5, 10), (8, 8), (9, 8))
# What Slack's users.json says for people at each offset (its `tz`, an IANA name).
ZONE_NAMES = {
    -8: "America/Los_Angeles",
    -5: "America/New_York",
    -3: "America/Sao_Paulo",
    0: "Europe/London",
    1: "Europe/Berlin",
    2: "Europe/Helsinki",
    5: "Asia/Karachi",
    8: "Asia/Singapore",
    9: "Asia/Tokyo",
}


@dataclass
class DemoPerson:
    """One human of the demo community and their accounts on each source."""

    index: int
    name: str
    handle: str
    personal_email: str
    work_email: str
    is_employee: bool
    weight: float
    joined: datetime
    left: datetime
    utc_offset: int
    identities: dict[str, Person] = field(default_factory=dict)
    is_bot: bool = False

    @property
    def email(self) -> str:
        return self.work_email or self.personal_email

    def active(self, moment: datetime) -> bool:
        return self.joined <= moment <= self.left


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "ß": "ss",
        "Đ": "D",
        "đ": "d",
        "ı": "i",
        "Æ": "AE",
        "æ": "ae",
    }
)


def ascii_fold(text: str) -> str:
    """'María José García' → 'Maria Jose Garcia' (as people type names into forms)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return decomposed.encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return "".join(c for c in ascii_fold(text).lower() if c.isalnum())


def make_people(
    rng: random.Random, count: int, *, start: datetime, end: datetime, employees: int
) -> list[DemoPerson]:
    """`count` people, the first `employees` of them on the company's team.

    Activity weights follow a Zipf law over a shuffled ranking (a few superusers,
    a long tail); join dates grow over time (a growing community) and about a
    quarter of the people leave before the end (churn).
    """
    span = (end - start).total_seconds()
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    offsets, offset_weights = zip(*TIMEZONES, strict=True)
    companies = words.CUSTOMER_COMPANIES
    company_weights = list(itertools.accumulate(1 / (r**0.9) for r in range(1, len(companies) + 1)))
    used_handles: set[str] = set()
    people = []
    for index in range(count):
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        name = f"{first} {last}"
        initials = "".join(part[0] for part in first.split())
        handle = _slug(initials + last)
        while handle in used_handles:
            handle = _slug(initials + last) + str(rng.randrange(2, 99))
        used_handles.add(handle)
        is_employee = index < employees
        personal = f"{_slug(first.split()[0])}.{_slug(last)}{rng.randrange(10, 99)}@{rng.choice(words.FREEMAIL)}"
        work = ""
        if is_employee:
            work = f"{_slug(first.split()[0])}.{_slug(last)}@{words.COMPANY_DOMAIN}"
        elif rng.random() < 0.5:
            domain = rng.choices(companies, cum_weights=company_weights)[0][1]
            work = f"{_slug(first.split()[0])}.{_slug(last)}@{domain}"
        if is_employee or rng.random() < 0.3:
            joined = start  # there before the window opens
        else:
            # Density grows linearly over the window: sqrt of a uniform draw.
            joined = start + timedelta(seconds=span * rng.random() ** 0.5)
        left = end
        if not is_employee and rng.random() < 0.25:
            left = joined + timedelta(seconds=(end - joined).total_seconds() * rng.random())
        people.append(
            DemoPerson(
                index=index,
                name=name,
                handle=handle,
                personal_email=personal,
                work_email=work,
                is_employee=is_employee,
                weight=(3.0 if is_employee else 1.0) / ranks[index] + 0.002,
                joined=joined,
                left=left,
                utc_offset=rng.choices(offsets, weights=offset_weights)[0],
            )
        )
    for person in people:
        _give_identities(rng, person)
    return people


def _give_identities(rng: random.Random, person: DemoPerson) -> None:
    presence = EMPLOYEE_PRESENCE if person.is_employee else PRESENCE
    sources = [s for s, share in presence.items() if rng.random() < share]
    if not sources:
        sources = [rng.choices(list(PRESENCE), weights=list(PRESENCE.values()))[0]]
    first, *_, last = person.name.split(" ")
    given = person.name.rsplit(" ", 1)[0] if person.name.count(" ") > 1 else first
    for source in sources:
        person.identities[source] = _identity(rng, person, source, given, last)


def _identity(rng: random.Random, person: DemoPerson, source: str, given: str, last: str) -> Person:
    """How `source` shows this person (see the module docstring)."""
    n = person.index
    if source == "slack":
        return Person(
            external_id=f"U0{n * 7919 % 10**7:07d}{n % 36:02d}",
            username=f"{_slug(given.split()[0])}.{_slug(last)}",
            name=person.name,
            email=person.email,
            timezone=ZONE_NAMES[person.utc_offset],
        )
    if source == "forum":
        # Most sign up with the address they use on Slack; some keep work and community apart.
        email = person.email if rng.random() < 0.7 else person.personal_email
        username = (
            person.handle if rng.random() < 0.6 else f"{_slug(given.split()[0])}_{_slug(last)}"
        )
        return Person(
            external_id=str(1000 + n),
            username=username,
            name=person.name if rng.random() < 0.8 else None,
            email=email,
            url=f"https://community.quanta.dev/u/{username}",
        )
    if source == "github":
        login = rng.choice((person.handle, f"{person.handle}-dev", f"{_slug(given)}{_slug(last)}"))
        github_id = 100_000 + n * 37
        email = (
            f"{github_id}+{login}@users.noreply.github.com"
            if rng.random() < 0.75
            else person.personal_email
        )
        return Person(
            external_id=str(github_id),
            username=login,
            name=ascii_fold(f"{given.split()[0]} {last}") if rng.random() < 0.6 else None,
            email=email,
            url=f"https://github.com/{login}",
        )
    if source == "twitter":
        screen = rng.choice(
            (person.handle, f"{_slug(given.split()[0])}_{_slug(last)}", f"{person.handle}_data")
        )
        display = rng.choice(
            (f"{given.split()[0]} {last}", f"{given.split()[0]} {last[0]}.", person.name)
        )
        return Person(
            external_id=str(1_200_000_000 + n * 104_729),
            username=screen[:15],
            name=display,
            url=f"https://x.com/{screen[:15]}",
        )
    # meetup: names typed into a form, often without accents or second given names.
    typed = rng.choice(
        (ascii_fold(f"{given.split()[0]} {last}"), ascii_fold(person.name), person.name)
    )
    return Person(
        external_id=f"mu-{3_000_000 + n}",
        name=typed,
        email=person.personal_email if rng.random() < 0.4 else None,
    )


def make_bots(*, start: datetime, end: datetime) -> list[DemoPerson]:
    """The automation accounts that post in the community (flagged is_bot)."""
    bots = []
    for n, (source, login, display) in enumerate(words.BOT_ACCOUNTS):
        bot = DemoPerson(
            index=-1 - n,
            name=display,
            handle=login,
            personal_email="",
            work_email="",
            is_employee=False,
            weight=0.0,
            joined=start,
            left=end,
            utc_offset=0,
            is_bot=True,
        )
        bot.identities[source] = Person(
            external_id=f"bot:{login}", username=login, name=display, is_bot=True
        )
        bots.append(bot)
    return bots
