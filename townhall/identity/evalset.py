"""A labelled evaluation set for identity resolution that looks like real communities.

People have accounts on several sources, and the accounts disagree the way real ones
do: work and personal emails, GitHub noreply addresses, accents present or not,
transliterations (Müller/Mueller, Aleksandr/Alexander), reordered names
("García, María José"), abbreviations ("M. J. García"), nicknames (Bob/Robert),
handles that differ by source, lone first names, placeholder and shared addresses
(root@localhost, support@company) and different people with the same common name.
Some profiles link others (`_add_links`, at the rates docs/identity-resolution.md
states): GitHub accounts their X handle or a personal site, forum accounts their
GitHub profile — and, adversarially, a company blog or someone else's X account.

`generate(people, seed)` returns the activity records and the truth: which person
each (source, external_id) belongs to. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from townhall.core.records import ActivityRecord, Person
from townhall.identity.profiles import AccountFacts

FIRST_NAMES = [
    ("María", "Maria"),
    ("José", "Jose"),
    ("Jürgen", "Juergen"),
    ("Zoë", "Zoe"),
    ("François", "Francois"),
    ("Björn", "Bjorn"),
    ("Łukasz", "Lukasz"),
    ("Søren", "Soren"),
    ("Aleksandr", "Alexander"),
    ("Mohammed", "Muhammad"),
    ("Wei", "Wei"),
    ("Priya", "Priya"),
    ("Ana", "Ana"),
    ("João", "Joao"),
    ("Chloé", "Chloe"),
    ("Ines", "Ines"),
    ("Robert", "Bob"),
    ("William", "Bill"),
    ("Katherine", "Kate"),
    ("Michael", "Mike"),
    ("Elizabeth", "Liz"),
    ("Daniel", "Dan"),
    ("Thomas", "Tom"),
    ("Jennifer", "Jen"),
    ("Andrew", "Andy"),
    ("Christopher", "Chris"),
    ("Olga", "Olga"),
    ("Yuki", "Yuki"),
    ("Hiroshi", "Hiroshi"),
    ("Fatima", "Fatima"),
    ("Amara", "Amara"),
    ("Lars", "Lars"),
    ("Sofia", "Sofia"),
    ("Mateo", "Mateo"),
    ("Nikolai", "Nikolay"),
    ("Ayşe", "Ayse"),
    ("Kwame", "Kwame"),
    ("Siobhán", "Siobhan"),
    ("Raúl", "Raul"),
    ("Nguyễn", "Nguyen"),
    ("Elena", "Helena"),
    ("Grace", "Grace"),
    ("Omar", "Omar"),
    ("Léa", "Lea"),
    ("Pedro", "Pedro"),
    ("Emma", "Emma"),
    ("Noah", "Noah"),
    ("Ingrid", "Ingrid"),
    ("Tomás", "Tomas"),
    ("Agnieszka", "Agnieszka"),
    ("Dmitri", "Dmitry"),
    ("Aisha", "Aicha"),
    ("Benedikt", "Benedikt"),
    ("Camille", "Camille"),
    ("Diego", "Diego"),
    ("Eszter", "Eszter"),
    ("Farid", "Farid"),
    ("Giulia", "Giulia"),
    ("Hana", "Hana"),
    ("Ivana", "Ivana"),
    ("Jakub", "Jakub"),
    ("Kenji", "Kenji"),
    ("Leilani", "Leilani"),
    ("Malik", "Malik"),
    ("Nadia", "Nadia"),
    ("Oskar", "Oskar"),
    ("Paulina", "Paulina"),
    ("Quentin", "Quentin"),
    ("Rania", "Rania"),
    ("Stefan", "Stephan"),
    ("Tariq", "Tariq"),
    ("Ursula", "Ursula"),
    ("Valentina", "Valentina"),
    ("Wiktor", "Viktor"),
    ("Ximena", "Jimena"),
    ("Yaw", "Yaw"),
    ("Zeynep", "Zeynep"),
    ("Anders", "Anders"),
    ("Bea", "Bea"),
    ("Cyrus", "Cyrus"),
    ("Dalia", "Dalia"),
    ("Emeka", "Emeka"),
    ("Frida", "Frida"),
    ("Gustavo", "Gustavo"),
    ("Hye-jin", "Hyejin"),
    ("Ilse", "Ilse"),
    ("Jonas", "Jonas"),
    ("Kalani", "Kalani"),
    ("Luca", "Luka"),
    ("Mirela", "Mirela"),
    ("Nils", "Nils"),
    ("Oliwia", "Olivia"),
    ("Petra", "Petra"),
    ("Rafael", "Rafael"),
    ("Sanjay", "Sanjay"),
    ("Thandiwe", "Thandiwe"),
    ("Vikram", "Vikram"),
]
LAST_NAMES = [
    ("García", "Garcia"),
    ("Müller", "Mueller"),
    ("Schröder", "Schroeder"),
    ("Núñez", "Nunez"),
    ("Zhang", "Zhang"),
    ("Kowalski", "Kowalski"),
    ("Andersen", "Andersen"),
    ("Ivanov", "Ivanov"),
    ("Patel", "Patel"),
    ("Souza", "Sousa"),
    ("Dubois", "Dubois"),
    ("Rossi", "Rossi"),
    ("Yılmaz", "Yilmaz"),
    ("Okafor", "Okafor"),
    ("O'Brien", "OBrien"),
    ("Tanaka", "Tanaka"),
    ("Fernández", "Fernandez"),
    ("Nakamura", "Nakamura"),
    ("Haddad", "Haddad"),
    ("Johansson", "Johanson"),
    ("Lefèvre", "Lefevre"),
    ("Papadopoulos", "Papadopoulos"),
    ("Kim", "Kim"),
    ("Smith", "Smith"),
    ("Brown", "Brown"),
    ("Lee", "Lee"),
    ("Novák", "Novak"),
    ("Costa", "Costa"),
    ("Mensah", "Mensah"),
    ("Byrne", "Byrne"),
    ("Hoffmann", "Hofmann"),
    ("Silva", "Silva"),
    ("Wójcik", "Wojcik"),
    ("Ramírez", "Ramirez"),
    ("Chen", "Chen"),
    ("Singh", "Singh"),
    ("Virtanen", "Virtanen"),
    ("Eriksen", "Eriksen"),
    ("Abramov", "Abramov"),
    ("Bianchi", "Bianchi"),
    ("Castillo", "Castillo"),
    ("Dąbrowski", "Dabrowski"),
    ("Esposito", "Esposito"),
    ("Fischer", "Fisher"),
    ("Gonçalves", "Goncalves"),
    ("Horváth", "Horvath"),
    ("Iyer", "Iyer"),
    ("Jansen", "Janssen"),
    ("Kaur", "Kaur"),
    ("Lindqvist", "Lindqvist"),
    ("Moreau", "Moreau"),
    ("Nowak", "Nowak"),
    ("Osei", "Osei"),
    ("Petrović", "Petrovic"),
    ("Quispe", "Quispe"),
    ("Rahman", "Rahman"),
    ("Sato", "Satou"),
    ("Takahashi", "Takahasi"),
    ("Urquhart", "Urquhart"),
    ("Vasquez", "Vazquez"),
    ("Weber", "Weber"),
    ("Xu", "Xu"),
    ("Yamamoto", "Yamamoto"),
    ("Zieliński", "Zielinski"),
    ("Adeyemi", "Adeyemi"),
    ("Bergström", "Bergstrom"),
    ("Czerny", "Cerny"),
    ("Dimitriou", "Dimitriou"),
    ("Ekström", "Ekstrom"),
    ("Fontaine", "Fontaine"),
    ("Gallagher", "Gallagher"),
    ("Hashemi", "Hashemi"),
    ("Ito", "Itou"),
    ("Jovanović", "Jovanovic"),
    ("Kuznetsova", "Kuznetsova"),
    ("Lombardi", "Lombardi"),
    ("Mwangi", "Mwangi"),
    ("Nielsen", "Nielson"),
    ("Oyelaran", "Oyelaran"),
    ("Pereira", "Pereira"),
    ("Rinaldi", "Rinaldi"),
    ("Schmidt", "Schmitt"),
    ("Tran", "Tran"),
    ("Uchenna", "Uchenna"),
    ("Varga", "Varga"),
    ("Wagner", "Wagner"),
]
# Names so common that several different people in one community carry them.
COMMON_NAMES = [
    ("John", "Smith"),
    ("Wei", "Zhang"),
    ("María", "García"),
    ("David", "Lee"),
    ("Anna", "Müller"),
]
COMPANIES = [
    "acme.io",
    "globex.com",
    "initech.net",
    "umbrella.dev",
    "hooli.com",
    "stark.industries",
    "wayne.co",
]
FREEMAIL = ["gmail.com", "outlook.com", "yahoo.com", "proton.me", "hotmail.com"]
HANDLE_WORDS = ["dev", "code", "hacker", "ninja", "data", "cloud", "pixel", "rust", "py", "ops"]
SOURCES = ["slack", "github", "forum", "twitter", "meetup"]


@dataclass
class Account:
    source: str
    external_id: str
    username: str = ""
    email: str = ""
    name: str = ""
    links: list[str] = field(default_factory=list)


@dataclass
class EvalPerson:
    key: str
    first: tuple[str, str]
    last: tuple[str, str]
    middle: str = ""
    work_email: str = ""
    personal_email: str = ""
    handle: str = ""
    accounts: list[Account] = field(default_factory=list)


@dataclass
class EvalSet:
    records: list[ActivityRecord]
    truth: dict[tuple[str, str], str]


def _ascii(text: str) -> str:
    return text.lower().replace("'", "").replace(" ", "")


def _unique(value: str, taken: set[str], rng: random.Random) -> str:
    """Addresses and handles are unique where they live: a second 'ana.souza' gets a number."""
    candidate, tries = value, 0
    local, at, domain = value.partition("@")
    while candidate in taken:
        tries += 1
        # Small numbers first, as people pick them; wider ranges once those are taken.
        candidate = f"{local}{rng.randrange(2, 99 * tries + 1)}{at}{domain}"
    taken.add(candidate)
    return candidate


SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "to",
    "ven",
    "sa",
    "dor",
    "el",
    "ni",
    "ko",
    "ber",
    "an",
    "ta",
    "ri",
    "mo",
    "zu",
    "lin",
    "gar",
    "he",
]
ACCENTED = {"a": "á", "e": "é", "o": "ö", "u": "ü", "i": "í"}


def _surname(rng: random.Random) -> tuple[str, str]:
    """A surname from the list, or a made-up one: real communities have far more
    surnames than any list, and few exact name clashes outside the common names."""
    if rng.random() < 0.4:
        return rng.choice(LAST_NAMES)
    plain = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 3]))).capitalize()
    vowel = next((ch for ch in plain[1:] if ch in ACCENTED), "")
    native = plain.replace(vowel, ACCENTED[vowel], 1) if vowel and rng.random() < 0.3 else plain
    return native, plain


def _make_person(
    rng: random.Random,
    index: int,
    name: tuple[tuple[str, str], tuple[str, str]] | None,
    taken: set[str],
) -> EvalPerson:
    first, last = name or (rng.choice(FIRST_NAMES), _surname(rng))
    person = EvalPerson(key=f"p{index}", first=first, last=last)
    if rng.random() < 0.15:
        person.middle = rng.choice(FIRST_NAMES)[0]
    f, ln = _ascii(first[1]), _ascii(last[1])
    company = rng.choice(COMPANIES) if rng.random() < 0.65 else ""
    pattern = rng.choice(["{f}.{l}", "{f}{l}", "{f0}{l}", "{f}", "{f}_{l}"])
    local = pattern.format(f=f, l=ln, f0=f[0])
    if company:
        person.work_email = _unique(
            f"{local}@{company}" if pattern != "{f}" else f"{f}.{ln}@{company}", taken, rng
        )
    n = rng.randrange(1, 999)
    personal_local = rng.choice(
        [
            f"{f}.{ln}{n}",
            f"{f}{ln}",
            f"{ln}.{f}",
            f"{f[0]}{ln}{n}",
            f"{rng.choice(HANDLE_WORDS)}{f}{n}",
        ]
    )
    person.personal_email = _unique(f"{personal_local}@{rng.choice(FREEMAIL)}", taken, rng)
    person.handle = _unique(
        rng.choice(
            [
                f"{f}{ln}",
                f"{f[0]}{ln}",
                f"{f}-{ln}",
                f"{ln}{f[0]}",
                f"{f}{n}",
                f"{rng.choice(HANDLE_WORDS)}-{f}",
                f"{f}_{ln}{n % 100}",
            ]
        ),
        taken,
        rng,
    )
    return person


def _display(person: EvalPerson, rng: random.Random, *, style: str) -> str:
    first_native, first_ascii = person.first
    last_native, last_ascii = person.last
    accents = rng.random() < 0.6
    first = first_native if accents else first_ascii
    last = last_native if accents else last_ascii
    if style == "formal" and person.middle:
        return f"{first} {person.middle} {last}"
    if style == "reordered":
        return f"{last}, {first}" if rng.random() < 0.5 else f"{last} {first}"
    if style == "abbreviated":
        return f"{first[0]}. {last}"
    if style == "lowercase":
        return f"{first} {last}".lower()
    if style == "first_only":
        return first
    return f"{first} {last}"


def _accounts(person: EvalPerson, rng: random.Random, counter: list[int]) -> None:
    count = rng.choices([1, 2, 3, 4, 5], weights=[30, 30, 22, 12, 6])[0]
    for source in rng.sample(SOURCES, count):
        counter[0] += 1
        uid = counter[0]
        if source == "slack":
            account = Account(
                source,
                f"U{uid:07d}",
                username=person.handle.split("-")[0] if rng.random() < 0.3 else "",
                email=person.work_email or person.personal_email,
                name=_display(
                    person, rng, style=rng.choice(["plain", "plain", "formal", "lowercase"])
                ),
            )
        elif source == "github":
            email = (
                f"{uid}+{person.handle}@users.noreply.github.com"
                if rng.random() < 0.4
                else rng.choice([person.personal_email, person.work_email or person.personal_email])
            )
            account = Account(
                source,
                str(1000000 + uid),
                username=person.handle,
                email=email,
                name=_display(person, rng, style="plain") if rng.random() < 0.6 else "",
            )
        elif source == "forum":
            account = Account(
                source,
                f"f{uid}",
                username=person.handle
                if rng.random() < 0.6
                else _ascii(person.first[1]) + str(uid % 97),
                email=person.personal_email
                if rng.random() < 0.5
                else (person.work_email or person.personal_email),
                name=_display(person, rng, style=rng.choice(["plain", "reordered", "abbreviated"])),
            )
        elif source == "twitter":
            account = Account(
                source,
                f"{9000000 + uid}",
                username=person.handle
                if rng.random() < 0.4
                else f"{_ascii(person.first[1])}_{rng.choice(HANDLE_WORDS)}",
                name=_display(
                    person, rng, style=rng.choice(["plain", "plain", "first_only", "abbreviated"])
                ),
            )
        else:
            account = Account(
                source,
                f"m{uid}",
                email=person.personal_email
                if rng.random() < 0.7
                else (person.work_email or person.personal_email),
                name=_display(person, rng, style=rng.choice(["plain", "plain", "lowercase"])),
            )
        person.accounts.append(account)


def _noise_accounts(rng: random.Random, people: list[EvalPerson], counter: list[int]) -> None:
    """Placeholder and shared identifiers, each used by several different people."""
    for person in rng.sample(people, max(4, len(people) // 60)):
        counter[0] += 1
        # git commits made on a misconfigured machine: one address, many people.
        person.accounts.append(
            Account(
                "github",
                str(5000000 + counter[0]),
                username=person.handle + "-old",
                email="root@localhost",
                name=_display(person, rng, style="plain"),
            )
        )
    for company in COMPANIES[:3]:
        for person in rng.sample(people, 3):
            counter[0] += 1
            person.accounts.append(
                Account(
                    "forum",
                    f"shared{counter[0]}",
                    username=f"{company.split('.')[0]}-team{counter[0] % 10}",
                    email=f"support@{company}",
                    name=_display(person, rng, style="plain"),
                )
            )
    for placeholder in ["admin", "Deleted User", "unknown", "Anonymous"]:
        for person in rng.sample(people, 2):
            counter[0] += 1
            person.accounts.append(
                Account("forum", f"ph{counter[0]}", username=f"user{counter[0]}", name=placeholder)
            )


# How often profiles state links (assumptions, not measured on real communities; see
# docs/identity-resolution.md).
X_HANDLE_ON_GITHUB = 0.25  # a GitHub account of someone with an X account lists it
PERSONAL_SITE = 0.10  # a person has a personal site…
SITE_ON_PROFILE = 0.6  # …that each of their GitHub and forum accounts lists this often
GITHUB_ON_FORUM = 0.08  # a forum profile's website is their GitHub profile
COMPANY_BLOG_ON_GITHUB = 0.05  # a GitHub account with a work email lists the company blog
SOMEONE_ELSES_X = 0.01  # a GitHub account lists someone else's X handle (a colleague's)


def _add_links(persons: list[EvalPerson], rng: random.Random) -> None:
    """Profile links, at the rates above, on GitHub and forum accounts (their `blog`,
    `twitter_username` and `website` fields)."""
    x_accounts = [a for p in persons for a in p.accounts if a.source == "twitter" and a.username]
    for person in persons:
        # Their first account on each source is their own (the noise accounts come later).
        own: dict[str, Account] = {}
        for account in person.accounts:
            own.setdefault(account.source, account)
        site = f"https://{person.handle}.dev" if rng.random() < PERSONAL_SITE else ""
        company = person.work_email.rpartition("@")[2]
        for account in person.accounts:
            if account.source == "github" and account is own.get("github"):
                x = own.get("twitter")
                if x is not None and x.username and rng.random() < X_HANDLE_ON_GITHUB:
                    account.links.append(f"https://x.com/{x.username}")
                elif x_accounts and rng.random() < SOMEONE_ELSES_X:
                    account.links.append(f"https://twitter.com/{rng.choice(x_accounts).username}")
                if site and rng.random() < SITE_ON_PROFILE:
                    account.links.append(site + "/")
                elif company and rng.random() < COMPANY_BLOG_ON_GITHUB:
                    account.links.append(f"https://blog.{company}")
            elif account.source == "forum" and account is own.get("forum"):
                github = own.get("github")
                if site and rng.random() < SITE_ON_PROFILE:
                    account.links.append(site)
                elif github is not None and rng.random() < GITHUB_ON_FORUM:
                    account.links.append(f"https://github.com/{github.username}")


def generate(people: int = 2000, seed: int = 7) -> EvalSet:
    """People with accounts on several sources, their activities, and who is who."""
    rng = random.Random(seed)
    persons: list[EvalPerson] = []
    taken: set[str] = set()
    for index in range(people):
        common = COMMON_NAMES[index % len(COMMON_NAMES)] if index % 40 == 0 else None
        name = None
        if common:
            first = next((f for f in FIRST_NAMES if f[0] == common[0]), (common[0], common[0]))
            last = next((s for s in LAST_NAMES if s[0] == common[1]), (common[1], common[1]))
            name = (first, last)
        persons.append(_make_person(rng, index, name, taken))
    counter = [0]
    for person in persons:
        _accounts(person, rng, counter)
    _noise_accounts(rng, persons, counter)
    # Links come from their own random stream: the accounts above stay exactly those of
    # the set without links, so figures before and after links compare.
    _add_links(persons, random.Random(seed * 7919 + 1))

    start = datetime(2025, 6, 1, tzinfo=UTC)
    records: list[ActivityRecord] = []
    truth: dict[tuple[str, str], str] = {}
    for person in persons:
        active_from = start + timedelta(days=rng.randrange(0, 400))
        for account in person.accounts:
            truth[(account.source, account.external_id)] = person.key
            actor = Person(
                external_id=account.external_id,
                username=account.username or None,
                email=account.email or None,
                name=account.name or None,
                links=account.links or None,
            )
            for n in range(rng.randrange(1, 4)):
                records.append(
                    ActivityRecord(
                        source=account.source,
                        external_id=f"{account.external_id}:{n}",
                        kind="message",
                        occurred_at=active_from
                        + timedelta(days=rng.randrange(0, 120), minutes=rng.randrange(1440)),
                        actor=actor,
                    )
                )
    return EvalSet(records=records, truth=truth)


def account_facts(evalset: EvalSet) -> dict[tuple[str, str], AccountFacts]:
    """One AccountFacts per account, each its own member (as a first import leaves them)."""
    accounts: dict[tuple[str, str], AccountFacts] = {}
    seen: dict[tuple[str, str], list[float]] = {}
    for record in evalset.records:
        key = (record.source, record.actor.key)
        day = record.occurred_at.timestamp() / 86400
        span = seen.setdefault(key, [day, day])
        span[0], span[1] = min(span[0], day), max(span[1], day)
    for record in evalset.records:
        key = (record.source, record.actor.key)
        if key not in accounts:
            actor = record.actor
            accounts[key] = AccountFacts(
                member_id=len(accounts) + 1,
                source=record.source,
                external_id=actor.external_id or actor.key,
                username=actor.username or "",
                email=actor.email or "",
                name=actor.name or "",
                first_seen=seen[key][0],
                last_seen=seen[key][1],
                links=tuple(actor.links or ()),
            )
    return accounts
