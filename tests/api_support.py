"""Fixtures for the API and token tests: logins with roles, and their tokens.

Imported by tests/api/conftest.py and tests/accounts/conftest.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from townhall.accounts.services import attach_member, set_role
from townhall.accounts.tokens import create_token
from townhall.core.models import Role

_counter = itertools.count(1)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """A login with its Member; `role` gives the member that role (through `set_role`)."""
    operator: list[User] = []

    def make(*, email: str | None = None, role: Role | None = None, **fields: Any) -> User:
        n = next(_counter)
        email = email or f"user{n}@example.org"
        user = User.objects.create_user(username=f"user{n}", email=email, **fields)
        member = attach_member(user, name=f"User {n}")
        if role is not None:
            if not operator:
                operator.append(
                    User.objects.create_superuser(f"operator{n}", f"op{n}@example.org", None)
                )
            set_role(member, role, by=operator[0])
        return user

    return make


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    """A community manager: may read and write through the API."""
    return make_user(email="manager@example.org", role=Role.COMMUNITY_MANAGER)


@pytest.fixture
def make_token(db: None) -> Callable[..., str]:
    """The plaintext of a new token for `user` with `scope`."""

    def make(user: User, *, scope: str = "read", name: str | None = None, **kwargs: Any) -> str:
        return create_token(user, name or f"token-{next(_counter)}", scope, **kwargs)[1]

    return make


@pytest.fixture
def read_token(manager: User, make_token: Callable[..., str]) -> str:
    return make_token(manager, scope="read", name="reader")


@pytest.fixture
def write_token(manager: User, make_token: Callable[..., str]) -> str:
    return make_token(manager, scope="write", name="writer")


@pytest.fixture
def base_template(settings: Any, tmp_path: Path) -> None:
    """A stand-in base.html (outside the repository) while the real one does not exist yet."""
    try:
        get_template("base.html")
    except TemplateDoesNotExist:
        (tmp_path / "base.html").write_text(
            "<!doctype html><title>{% block title %}{% endblock %}</title>"
            "<main>{% block content %}{% endblock %}</main>"
        )
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
