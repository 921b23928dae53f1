"""The spam score: a few explainable heuristics, each with a weight, added up.

A post whose score reaches `settings.COMMUNITY_SPAM_HOLD_SCORE` (0 turns the check off)
is held for review instead of published. The signals are kept with the post's automatic
flag, so the moderation queue says *why* a post was held. Pure functions: the caller
gathers the author's context (account age, earlier posts, recent texts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A link is anything Markdown would turn into one we keep: http(s) and bare www. addresses.
LINK_RE = re.compile(r"(?:https?://|\bwww\.)[^\s<>()\[\]]+", re.IGNORECASE)
WORD_RE = re.compile(r"\w+", re.UNICODE)

# Words and phrases that almost only appear in spam on a product community.
SPAM_WORDS = (
    "viagra",
    "cialis",
    "casino",
    "betting",
    "payday loan",
    "crypto giveaway",
    "free money",
    "earn money fast",
    "work from home",
    "buy followers",
    "cheap followers",
    "seo services",
    "escort",
    "whatsapp me",
    "telegram me",
    "click here",
    "limited offer",
    "100% free",
    "weight loss",
    "replica watches",
)

WEIGHTS = {
    "many_links": 1,  # per link beyond the second, at most 3
    "link_density": 2,  # fewer than 15 words per link
    "repeated": 3,  # same text as one of the author's posts in the last day
    "all_caps": 2,  # 70 % or more of at least 20 letters are capitals
    "spam_words": 2,  # per known spam word or phrase, at most 2 of them
    "new_account": 1,  # the member joined less than the new-member period ago
    "first_post_links": 2,  # the member's first post, and it has links
}


@dataclass(frozen=True)
class Signal:
    name: str
    points: int
    detail: str


@dataclass(frozen=True)
class SpamVerdict:
    score: int
    signals: tuple[Signal, ...] = field(default_factory=tuple)

    def held(self, threshold: int) -> bool:
        return threshold > 0 and self.score >= threshold

    def as_data(self) -> dict[str, object]:
        """JSON for the automatic flag: the score and each signal with its points."""
        return {
            "score": self.score,
            "signals": [
                {"name": s.name, "points": s.points, "detail": s.detail} for s in self.signals
            ],
        }


def count_links(text: str) -> int:
    return len(LINK_RE.findall(text or ""))


def normalized(text: str) -> str:
    """Text compared for repeats: lower case, words only."""
    return " ".join(WORD_RE.findall((text or "").lower()))


def score_post(
    text: str,
    *,
    is_new_account: bool,
    is_first_post: bool,
    recent_texts: tuple[str, ...] | list[str] = (),
) -> SpamVerdict:
    """Score a post (title and body together) and say which signals added what."""
    signals: list[Signal] = []
    links = count_links(text)
    words = len(WORD_RE.findall(LINK_RE.sub(" ", text or "")))
    if links > 2:
        extra = min(links - 2, 3)
        signals.append(Signal("many_links", extra * WEIGHTS["many_links"], f"{links} links"))
    if links and words / links < 15:
        signals.append(
            Signal(
                "link_density",
                WEIGHTS["link_density"],
                f"{words} words for {links} link{'s' if links != 1 else ''}",
            )
        )
    mine = normalized(text)
    if mine and any(normalized(other) == mine for other in recent_texts):
        signals.append(
            Signal("repeated", WEIGHTS["repeated"], "same text as another post of theirs today")
        )
    letters = [c for c in LINK_RE.sub(" ", text or "") if c.isalpha()]
    if len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) >= 0.7:
        signals.append(Signal("all_caps", WEIGHTS["all_caps"], "mostly capital letters"))
    lowered = f" {mine} "
    found = [w for w in SPAM_WORDS if f" {normalized(w)} " in lowered][:2]
    if found:
        signals.append(Signal("spam_words", len(found) * WEIGHTS["spam_words"], ", ".join(found)))
    if is_new_account:
        signals.append(Signal("new_account", WEIGHTS["new_account"], "joined today"))
    if is_first_post and links:
        signals.append(
            Signal("first_post_links", WEIGHTS["first_post_links"], "first post, with links")
        )
    return SpamVerdict(score=sum(s.points for s in signals), signals=tuple(signals))
