"""Fixtures for the community space: people (from the groups fixtures), boards, topics."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from tests.groups.conftest import login, make_group, make_person, manager  # noqa: F401
from townhall.community.models import Board, Reply, Topic
from townhall.community.services import create_board, create_reply, create_topic
from townhall.core.models import Member, Role

_counter = itertools.count(1)


@pytest.fixture
def make_board(manager: Member) -> Callable[..., Board]:  # noqa: F811
    def make(**fields: Any) -> Board:
        n = next(_counter)
        fields.setdefault("name", f"Board {n}")
        return create_board(by=manager, **fields)

    return make


@pytest.fixture
def board(make_board: Callable[..., Board]) -> Board:
    return make_board(name="Help", slug="help")


@pytest.fixture
def asker(make_person: Callable[..., Member]) -> Member:  # noqa: F811
    return make_person(name="Ana Asker")


@pytest.fixture
def answerer(make_person: Callable[..., Member]) -> Member:  # noqa: F811
    return make_person(name="Bo Answerer")


@pytest.fixture
def employee(make_person: Callable[..., Member]) -> Member:  # noqa: F811
    return make_person(name="Eve Employee", employee=True)


@pytest.fixture
def moderator(make_person: Callable[..., Member]) -> Member:  # noqa: F811
    return make_person(name="Max Moderator", role=Role.MODERATOR)


@pytest.fixture
def make_topic(board: Board, asker: Member) -> Callable[..., Topic]:
    def make(**fields: Any) -> Topic:
        n = next(_counter)
        fields.setdefault("kind", "question")
        fields.setdefault("title", f"How do I do thing {n}?")
        fields.setdefault("body", "I tried **everything**.")
        return create_topic(fields.pop("board", board), by=fields.pop("by", asker), **fields)

    return make


@pytest.fixture
def question(make_topic: Callable[..., Topic]) -> Topic:
    return make_topic(title="How do I reset my password?")


@pytest.fixture
def idea(make_topic: Callable[..., Topic]) -> Topic:
    return make_topic(kind="idea", title="Dark mode for the dashboard")


@pytest.fixture
def answer(question: Topic, answerer: Member) -> Reply:
    return create_reply(question, body="Use the *Forgot password* link.", by=answerer)


@pytest.fixture(autouse=True)
def no_new_member_limits(settings: Any) -> None:
    """Every person a test makes joined a moment ago, so the first-day limits and the spam
    check would get in the way of tests about other things; tests of moderation turn them
    back on with `moderation_rules`."""
    settings.COMMUNITY_NEW_MEMBER_HOURS = 0
    settings.COMMUNITY_SPAM_HOLD_SCORE = 0


@pytest.fixture
def moderation_rules(settings: Any) -> Any:
    """The limits and spam check as shipped (24 h, 3 topics, 10 replies, 2 links, 30 s, score 5)."""
    settings.COMMUNITY_NEW_MEMBER_HOURS = 24
    settings.COMMUNITY_NEW_MEMBER_MAX_TOPICS = 3
    settings.COMMUNITY_NEW_MEMBER_MAX_REPLIES = 10
    settings.COMMUNITY_NEW_MEMBER_MAX_LINKS = 2
    settings.COMMUNITY_NEW_MEMBER_POST_INTERVAL = 30
    settings.COMMUNITY_SPAM_HOLD_SCORE = 5
    return settings
