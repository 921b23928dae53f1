"""Authentication for the API: personal tokens (`Authorization: Bearer th_…`) or a session.

`townhall.api` puts `ApiAuth()` in front of every router, so apps' routers stay free of
accounts code. The scope an endpoint needs follows from its HTTP method: GET, HEAD and
OPTIONS read and accept a read or write token — or, with no Authorization header, the
signed-in session user; every other method writes and accepts only a write token (a
browser session cannot write: that would need CSRF protection the API does not do).
By default the caller must also be allowed to manage members (community managers,
admins, superusers: `permissions.can_manage_members`), because the API shows everyone's
contact details.

A missing, malformed, unknown, expired or revoked token answers 401; a valid token
with too small a scope, or a user without the role, answers 403. Either way the JSON
body's `detail` says what was wrong and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer

from townhall.accounts.models import ApiToken
from townhall.accounts.permissions import can_manage_members
from townhall.accounts.tokens import InvalidToken, verify_token

TOKENS_PAGE = "/account/tokens/"


@dataclass(frozen=True)
class ApiCaller:
    """Who is calling the API: a user, and the token they used (None for a session)."""

    user: AbstractBaseUser
    token: ApiToken | None = None

    @property
    def origin(self) -> str:
        """How imports and audit entries name this caller, e.g. `api:crm-sync (th_1a2b3c4d)`."""
        if self.token is not None:
            return f"api:{self.token.name} (th_{self.token.prefix})"
        return f"api:session:{self.user.pk}"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiAuth(HttpBearer):
    """Bearer token (or session) authentication; the scope needed follows the HTTP method.

    `scope` forces one scope for every method; `managers_only=False` lets any user's
    token through (for endpoints that check permissions themselves).
    """

    def __init__(self, scope: str | None = None, *, managers_only: bool = True) -> None:
        if scope is not None and scope not in ApiToken.Scope.values:
            raise ValueError(f"scope must be one of {ApiToken.Scope.values}, not {scope!r}")
        self.scope = scope
        self.managers_only = managers_only
        super().__init__()

    def required_scope(self, request: HttpRequest) -> str:
        """`read` for safe methods, `write` for the rest, unless the scope was fixed."""
        if self.scope is not None:
            return self.scope
        return ApiToken.Scope.READ if request.method in SAFE_METHODS else ApiToken.Scope.WRITE

    def __call__(self, request: HttpRequest) -> ApiCaller:
        header = request.headers.get(self.header, "").strip()
        if not header:
            return self._from_session(request)
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not credentials.strip():
            raise AuthenticationError(
                message="The Authorization header must read `Bearer <token>`."
            )
        return self.authenticate(request, credentials.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiCaller:
        try:
            row = verify_token(token)
        except InvalidToken as error:
            raise AuthenticationError(message=str(error)) from None
        scope = self.required_scope(request)
        if not row.allows(scope):
            raise AuthorizationError(
                message=f"This endpoint needs a token with `{scope}` scope; this token "
                f"(`{row.name}`) has `{row.scope}` scope. Create a {scope} token at "
                f"{TOKENS_PAGE}."
            )
        self._check_role(row.user)
        # Services called by the endpoint check permissions against request.user.
        request.user = row.user
        return ApiCaller(user=row.user, token=row)

    def _from_session(self, request: HttpRequest) -> ApiCaller:
        user: Any = getattr(request, "user", None)
        scope = self.required_scope(request)
        if scope == ApiToken.Scope.READ and user is not None and user.is_authenticated:
            self._check_role(user)
            return ApiCaller(user=user)
        hint = f"Create a token at {TOKENS_PAGE} and send it as `Authorization: Bearer <token>`."
        if scope == ApiToken.Scope.WRITE:
            raise AuthenticationError(
                message=f"This endpoint needs a token with write scope. {hint}"
            )
        raise AuthenticationError(message=f"Authentication required. {hint}")

    def _check_role(self, user: Any) -> None:
        if self.managers_only and not can_manage_members(user):
            raise AuthorizationError(
                message="This part of the API is for community managers and admins; "
                "ask an admin to give your account one of those roles."
            )
