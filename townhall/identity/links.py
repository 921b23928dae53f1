"""Profile cross-links: the other accounts a profile says are the same person's.

Sources let people name their other profiles: GitHub's `twitter_username` and `blog`,
Stack Exchange's `WebsiteUrl`, Discourse's `website`, an X profile's website. Each
link is normalised into a canonical profile key, so that the many ways of writing
one profile meet:

- `x:<handle>` — twitter.com/<handle>, x.com/<handle>, mobile.twitter.com, `@handle`;
- `github:<login>` — github.com/<login> (a repository or an organisation page's
  sub-path is not a profile);
- `se:<site>/<id>` — stackoverflow.com/users/<id>/<name> and the other Stack Exchange
  sites (an id is only unique on its own site);
- `site:<host><path>` — anything else: a personal site, lower-cased, without scheme,
  `www.`, query, fragment or trailing slash.

Placeholders never make a key: the roots of shared hosts (https://github.com,
linkedin.com), reserved paths (twitter.com/home, github.com/orgs) and addresses that
are not the web (localhost, example.com, private addresses).

An account's own key comes from its profile url (what the connectors store) or, when
it has none, from its source and username for the sources these keys name.
"""

from __future__ import annotations

import re
from functools import lru_cache

X_HOSTS = frozenset({"twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com"})
GITHUB_HOSTS = frozenset({"github.com"})
STACK_EXCHANGE_HOSTS = frozenset(
    {
        "stackoverflow.com",
        "superuser.com",
        "serverfault.com",
        "askubuntu.com",
        "mathoverflow.net",
        "stackapps.com",
    }
)
# Hosts many people have profiles under: their root names no one.
SHARED_HOSTS = (
    X_HOSTS
    | GITHUB_HOSTS
    | STACK_EXCHANGE_HOSTS
    | frozenset(
        """linkedin.com facebook.com instagram.com medium.com youtube.com gitlab.com
        bitbucket.org about.me linktr.ee dev.to github.io t.co bit.ly mastodon.social
        keybase.io reddit.com discord.com discord.gg t.me tiktok.com substack.com
        wordpress.com blogspot.com google.com""".split()
    )
)
SHORTENERS = frozenset({"t.co", "bit.ly", "goo.gl", "tinyurl.com", "ow.ly", "buff.ly", "lnkd.in"})
PLACEHOLDER_HOSTS = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "example.com",
        "example.org",
        "example.net",
        "test.com",
        "none",
        "n/a",
        "na",
        "127.0.0.1",
        "0.0.0.0",  # noqa: S104 - a host name to reject, not one to bind
    }
)
PLACEHOLDER_SUFFIXES = (".local", ".localdomain", ".invalid", ".example", ".test", ".localhost")
# First path segments that are pages of the site, not somebody's profile.
X_RESERVED = frozenset(
    "home intent share i search hashtag explore notifications messages settings login "
    "signup tos privacy compose".split()
)
GITHUB_RESERVED = frozenset(
    "orgs sponsors features about login join settings marketplace explore topics "
    "collections trending pricing enterprise security site issues pulls notifications "
    "apps users organizations search readme".split()
)
_X_HANDLE = re.compile(r"^[a-z0-9_]{1,15}$")
_GITHUB_LOGIN = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$")
_PRIVATE_IP = re.compile(r"^(?:10|127|192\.168|172\.(?:1[6-9]|2\d|3[01]))\.[\d.]+$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)")


@lru_cache(maxsize=100_000)
def profile_key(link: str) -> str:
    """The canonical profile key of a link, or '' when it names no one (see the module)."""
    text = link.strip().lower()
    if not text:
        return ""
    if text.startswith("@"):
        handle = text[1:]
        return f"x:{handle}" if _X_HANDLE.match(handle) else ""
    scheme = _SCHEME.match(text)
    if scheme:
        if not scheme.group().startswith(("http", "https")):
            return ""
        text = text[scheme.end() :]
    elif text.startswith("//"):
        text = text[2:]
    elif _OTHER_SCHEME.match(text):
        return ""  # mailto:, tel:, javascript:…
    for cut in ("#", "?"):
        text = text.split(cut, 1)[0]
    host, _, path = text.partition("/")
    if "@" in host:
        return ""  # an email address, or credentials in a url: not a profile
    host = host.split(":", 1)[0].strip(".")
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    if "." not in host or " " in host or not _is_public(host):
        return ""
    segments = [s for s in path.split("/") if s]
    if host in X_HOSTS:
        handle = segments[0].lstrip("@") if segments else ""
        if len(segments) >= 1 and handle not in X_RESERVED and _X_HANDLE.match(handle):
            return f"x:{handle}"
        return ""
    if host in GITHUB_HOSTS:
        if len(segments) == 1 and segments[0] not in GITHUB_RESERVED:
            login = segments[0]
            return f"github:{login}" if _GITHUB_LOGIN.match(login) else ""
        return ""
    if host in STACK_EXCHANGE_HOSTS or host.endswith(".stackexchange.com"):
        if len(segments) >= 2 and segments[0] == "users" and segments[1].isdigit():
            return f"se:{host}/{segments[1]}"
        return ""
    if host in SHORTENERS or (not segments and host in SHARED_HOSTS):
        return ""  # a short link hides what it names (X archives give t.co links)
    return "site:" + "/".join([host, *segments])


def _is_public(host: str) -> bool:
    return not (
        host in PLACEHOLDER_HOSTS
        or host.endswith(PLACEHOLDER_SUFFIXES)
        or _PRIVATE_IP.match(host) is not None
    )


# Source slugs whose usernames are the handle a profile key names, for accounts
# stored without a profile url.
_SOURCE_KINDS = {"x": "x", "twitter": "x", "github": "github"}


def own_key(source: str, username: str, url: str) -> str:
    """The key other profiles name this account by: from its url, else source and username."""
    if url:
        key = profile_key(url)
        if key:
            return key
    kind = _SOURCE_KINDS.get(source)
    if kind and username:
        handle = username.strip().lstrip("@").lower()
        pattern = _X_HANDLE if kind == "x" else _GITHUB_LOGIN
        if pattern.match(handle):
            return f"{kind}:{handle}"
    return ""


def link_keys(links: tuple[str, ...] | list[str]) -> set[str]:
    """The usable profile keys among an account's links."""
    return {key for link in links if (key := profile_key(link))}
