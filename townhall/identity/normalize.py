"""Normalising the identifiers people are matched on: names, emails, usernames.

Names are compared accent-, case- and order-insensitively: "María José García",
"maria jose garcia" and "García, María José" normalise to the same tokens; spelling
variants (Müller / Mueller) are left to the fuzzy comparison. Emails
are lower-cased, `+tags` dropped and GitHub's noreply addresses turned back into
the username they stand for. Placeholders ("admin", "Deleted User",
root@localhost, noreply@…) are recognised so they never join people on their own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that NFKD does not decompose into ASCII plus a combining mark.
_TRANSLITERATE = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i"}
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NAME_NOISE = re.compile(r"\(.*?\)|\[.*?\]|\b(?:mr|mrs|ms|dr|prof|jr|sr|ii|iii|phd|md)\b\.?")
_GITHUB_NOREPLY = re.compile(r"^(?:\d+\+)?(?P<login>[a-z0-9-]+)@users\.noreply\.github\.com$")

PLACEHOLDER_NAMES = frozenset(
    """admin administrator root user guest test tester unknown anonymous anon ghost nobody
    deleted deleted user deleted account removed [deleted] [removed] n/a na none null
    system bot community owner moderator support info team""".split()
) | frozenset({"deleted user", "deleted account", "unknown user", "former member", "community bot"})

PLACEHOLDER_LOCAL_PARTS = frozenset(
    """noreply no-reply no_reply donotreply do-not-reply root admin administrator postmaster
    webmaster hostmaster info support help contact test user null none nobody unknown
    mail email hello team office sales billing notifications notification bounce mailer-daemon
    git github gitlab bot""".split()
)
PLACEHOLDER_DOMAINS = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "example.com",
        "example.org",
        "example.net",
        "test.com",
        "invalid",
        "local",
        "none",
    }
)

# Common English nicknames → the formal name they are short for (both directions are
# folded onto the formal name before comparing).
NICKNAMES = {
    "bob": "robert",
    "rob": "robert",
    "robbie": "robert",
    "bobby": "robert",
    "bill": "william",
    "will": "william",
    "billy": "william",
    "liam": "william",
    "jim": "james",
    "jimmy": "james",
    "jamie": "james",
    "mike": "michael",
    "mick": "michael",
    "mikey": "michael",
    "dave": "david",
    "davey": "david",
    "tom": "thomas",
    "tommy": "thomas",
    "chris": "christopher",
    "kit": "christopher",
    "dan": "daniel",
    "danny": "daniel",
    "matt": "matthew",
    "tony": "anthony",
    "andy": "andrew",
    "drew": "andrew",
    "alex": "alexander",
    "sasha": "alexander",
    "sandy": "alexander",
    "nick": "nicholas",
    "sam": "samuel",
    "ben": "benjamin",
    "joe": "joseph",
    "joey": "joseph",
    "steve": "steven",
    "stephen": "steven",
    "ed": "edward",
    "eddie": "edward",
    "ted": "edward",
    "rick": "richard",
    "dick": "richard",
    "rich": "richard",
    "kate": "katherine",
    "katie": "katherine",
    "kathy": "katherine",
    "catherine": "katherine",
    "liz": "elizabeth",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "lisa": "elizabeth",
    "jen": "jennifer",
    "jenny": "jennifer",
    "sue": "susan",
    "susie": "susan",
    "meg": "margaret",
    "maggie": "margaret",
    "peggy": "margaret",
    "pat": "patricia",
    "patty": "patricia",
    "trish": "patricia",
    "vicky": "victoria",
    "tori": "victoria",
    "becky": "rebecca",
    "pepe": "jose",
    "paco": "francisco",
    "pancho": "francisco",
    "nacho": "ignacio",
    "lupe": "guadalupe",
    "chema": "josemaria",
    "manu": "manuel",
    "hans": "johannes",
    "sepp": "josef",
    "fritz": "friedrich",
}


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII letters and digits with accents and punctuation removed."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATE))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text


@lru_cache(maxsize=200_000)
def name_tokens(name: str) -> tuple[str, ...]:
    """A name as sorted, folded tokens with nicknames expanded: order and accents don't matter."""
    folded = _NAME_NOISE.sub(" ", fold(name))
    tokens = [t for t in _NON_ALNUM.split(folded) if t]
    tokens = [NICKNAMES.get(t, t) for t in tokens]
    return tuple(sorted(tokens))


def is_placeholder_name(name: str) -> bool:
    folded = " ".join(_NON_ALNUM.split(fold(name))).strip()
    return not folded or folded in PLACEHOLDER_NAMES or folded.replace(" ", "") in PLACEHOLDER_NAMES


@lru_cache(maxsize=200_000)
def normalize_email(email: str) -> str:
    """Lower-cased, without a `+tag` in the local part; '' when not an address."""
    email = email.strip().lower()
    if "@" not in email:
        return ""
    local, _, domain = email.rpartition("@")
    if not local or ("." not in domain and domain != "localhost"):
        return email if domain == "localhost" else ""
    if _GITHUB_NOREPLY.match(email):
        return email
    local = local.split("+", 1)[0]
    return f"{local}@{domain}"


def github_noreply_login(email: str) -> str:
    """The GitHub login a noreply address stands for ('' if it is not one)."""
    match = _GITHUB_NOREPLY.match(email.strip().lower())
    return match["login"] if match else ""


def is_placeholder_email(email: str) -> bool:
    local, _, domain = email.rpartition("@")
    return (
        not local
        or local in PLACEHOLDER_LOCAL_PARTS
        or domain in PLACEHOLDER_DOMAINS
        or domain.endswith((".local", ".localdomain", ".invalid", ".example"))
        or "noreply" in local
        or "no-reply" in local
        or local.startswith(("bounce", "mailer-daemon"))
    ) and not github_noreply_login(email)


@lru_cache(maxsize=200_000)
def normalize_username(username: str) -> str:
    """Folded to letters and digits: 'Maria_Garcia-92' → 'mariagarcia92'."""
    return _NON_ALNUM.sub("", fold(username.strip().lstrip("@")))


def handles_for(tokens: tuple[str, ...], original_order: tuple[str, ...]) -> set[str]:
    """Usernames a person with this name plausibly picks: anasouza, asouza, souzaa, mjgarcia…"""
    if len(original_order) < 2:
        return set()
    first, last = original_order[0], original_order[-1]
    initials = "".join(t[0] for t in original_order[:-1])
    return {
        first + last,
        last + first,
        first[0] + last,
        initials + last,
        first + last[0],
        last + first[0],
        "".join(original_order),
    }


def ordered_name_tokens(name: str) -> tuple[str, ...]:
    folded = _NAME_NOISE.sub(" ", fold(name))
    return tuple(t for t in _NON_ALNUM.split(folded) if t)
