"""What the dump and the API share: which site, its links, ids, tags and text excerpts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

# Sites that live on their own domain rather than under stackexchange.com.
OWN_DOMAINS = {
    "stackoverflow": "stackoverflow.com",
    "superuser": "superuser.com",
    "serverfault": "serverfault.com",
    "askubuntu": "askubuntu.com",
    "stackapps": "stackapps.com",
    "mathoverflow": "mathoverflow.net",
}
# Dumps of Stack Overflow ship one archive per table (stackoverflow.com-Posts.7z).
_TABLE_SUFFIX = re.compile(
    r"-(posts|users|comments|votes|badges|posthistory|postlinks|tags)$", re.IGNORECASE
)

BADGE_CLASSES = {"1": "gold", "2": "silver", "3": "bronze"}
COMMUNITY_USER_ID = -1  # the site's own bot account: it owns wikis and bumps old questions


@dataclass(frozen=True)
class Site:
    """One Stack Exchange site: its domain (empty when unknown) and its source slug."""

    domain: str
    slug: str

    @property
    def url(self) -> str:
        return f"https://{self.domain}" if self.domain else ""

    def link(self, path: str) -> str:
        """An absolute link on the site, or "" when the site is unknown."""
        return f"{self.url}{path}" if self.domain else ""


UNKNOWN_SITE = Site(domain="", slug="stackexchange")


def site_named(name: str) -> Site:
    """The site for an API name or domain: `stackoverflow`, `math`, `math.stackexchange.com`,
    `meta.stackoverflow`, `ru.stackoverflow.com`; the slug is the domain without `.com`/`.net`."""
    name = name.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
    if not name:
        return UNKNOWN_SITE
    if name.endswith((".com", ".net")):
        domain = name
    elif name in OWN_DOMAINS:
        domain = OWN_DOMAINS[name]
    elif name.rsplit(".", 1)[-1] in OWN_DOMAINS:  # meta.stackoverflow, ru.stackoverflow …
        domain = name + (".net" if name.endswith("mathoverflow") else ".com")
    else:
        domain = f"{name}.stackexchange.com"
    return Site(domain=domain, slug=domain.removesuffix(".com").removesuffix(".net"))


def site_of_folder(folder: Path) -> Site:
    """The site a dump folder is named after (`superuser.com`, `math.stackexchange.com`,
    `stackoverflow.com-Posts`); UNKNOWN_SITE when the name is not a site's domain."""
    name = _TABLE_SUFFIX.sub("", folder.resolve().name.lower())
    if name.endswith((".com", ".net")) or name in OWN_DOMAINS:
        return site_named(name)
    return UNKNOWN_SITE


def parse_tags(tags: str) -> list[str]:
    """`<python><django>` (dumps until 2023) or `|python|django|` (since 2024) → list."""
    tags = tags.strip()
    if not tags:
        return []
    if tags.startswith("|"):
        return [t for t in tags.split("|") if t]
    if tags.startswith("<"):
        return [t for t in tags[1:-1].split("><") if t]
    return tags.split()


def primary_tag(tags: list[str], wanted: frozenset[str]) -> str:
    """The channel of a question: the first of its tags the import asked for, else its first."""
    for tag in tags:
        if tag in wanted:
            return tag
    return tags[0] if tags else ""


_MARKUP = re.compile(r"<[^>]*>")


def html_excerpt(html: str, limit: int = 1000) -> str:
    """Plain text of the start of an HTML body: tags dropped, entities decoded, spaces folded.

    Only the first few thousand characters are looked at: the record keeps 1,000 anyway, and
    long posts are common.
    """
    text = unescape(_MARKUP.sub(" ", html[: limit * 4]))
    return " ".join(text.split())[:limit]


def post_id(post: int, question: int) -> str:
    """The external id of a post: `q:` for questions, `a:` for answers."""
    return f"q:{post}" if post == question else f"a:{post}"
