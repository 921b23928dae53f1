"""What both GitHub connectors share: people from GitHub user objects, and @mentions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from townhall.core.records import Person

WEB = "https://github.com"

# A GitHub login: letters, digits and single inner hyphens, at most 39 characters. The
# look-behind keeps e-mail addresses (`ana@acme.io`) and paths out; the look-ahead
# keeps team mentions (`@acme/core`) out, since they name a team, not a person.
_MENTION_RE = re.compile(
    r"(?<![\w`/@.-])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w/-])"
)
# Mentions inside code or quoted replies are not addressed to anyone: drop those parts.
_FENCED_RE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_INLINE_CODE_RE = re.compile(r"`[^`\n]*`")
_QUOTE_RE = re.compile(r"^\s*>.*$", re.MULTILINE)


def is_bot_login(login: str) -> bool:
    """GitHub Apps act as `name[bot]`; such accounts are bots even without a `type`."""
    return login.endswith("[bot]")


def profile_links(user: Mapping[str, Any]) -> list[str] | None:
    """The other profiles a full user object states: `blog` (a site, or another profile's
    url) and `twitter_username` (a handle, made the X profile's url)."""
    links = []
    blog = user.get("blog")
    if isinstance(blog, str) and blog.strip():
        links.append(blog.strip())
    handle = user.get("twitter_username")
    if isinstance(handle, str) and handle.strip().lstrip("@"):
        links.append(f"https://x.com/{handle.strip().lstrip('@')}")
    return links or None


def person_from_user(user: Mapping[str, Any] | None) -> Person | None:
    """A Person from a REST user object (`id`, `login`, `html_url`, `avatar_url`, `type`;
    on full profiles also `name`, `email`, `company`, `blog` and `twitter_username`)."""
    if not user or user.get("id") is None:
        return None
    login = user.get("login") or ""
    # A full profile (`GET /users/{login}`) also has the name, the public email, the
    # company and the links; the short user objects inside issues and comments do not.
    email = user.get("email") or None
    return Person(
        external_id=str(user["id"]),
        username=login or None,
        name=user.get("name") or None,
        email=email if email and "@" in email else None,
        url=user.get("html_url") or (f"{WEB}/{login}" if login else None),
        avatar_url=user.get("avatar_url") or None,
        organization=(user.get("company") or "").strip() or None,
        links=profile_links(user),
        is_bot=user.get("type") == "Bot" or is_bot_login(login),
    )


def user_from_actor(actor: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A GraphQL `Actor` (`__typename`, `login`, `url`, `avatarUrl`, `databaseId` on User,
    Bot and Organization) as the REST user object `person_from_user` reads.

    The numeric `databaseId` is the REST `id`, so a person is one identity whichever API
    saw them. GraphQL names a GitHub App `dependabot` where REST says `dependabot[bot]`:
    the REST login is used. An actor without a `databaseId` (a deleted account, a
    mannequin) is None.
    """
    if not actor or actor.get("databaseId") is None:
        return None
    login = actor.get("login") or ""
    is_bot = actor.get("__typename") == "Bot"
    if is_bot and login and not is_bot_login(login):
        login = f"{login}[bot]"
    return {
        "id": actor["databaseId"],
        "login": login,
        "html_url": actor.get("url") or None,
        "avatar_url": actor.get("avatarUrl") or None,
        "type": "Bot" if is_bot else actor.get("__typename") or "User",
    }


def mentioned_logins(body: str | None, *, author: str = "") -> list[str]:
    """Logins @mentioned in a Markdown body, in order, once each, leaving out the author
    and anything inside code blocks, inline code or quoted lines."""
    if not body or "@" not in body:
        return []
    text = _QUOTE_RE.sub("", _INLINE_CODE_RE.sub("", _FENCED_RE.sub("", body)))
    seen: dict[str, str] = {}
    skip = author.lower()
    for login in _MENTION_RE.findall(text):
        key = login.lower()
        if key != skip and key not in seen:
            seen[key] = login
    return list(seen.values())


def repo_url(repository: str) -> str:
    return f"{WEB}/{repository}"


def split_repository(value: str) -> tuple[str, str]:
    """`owner/name` → (owner, name); raises ValueError for anything else."""
    owner, _, name = value.strip().strip("/").partition("/")
    if not owner or not name or "/" in name:
        raise ValueError(f"{value!r} is not a repository; write it as owner/name")
    return owner, name
