"""API token verbs: `create_token`, `revoke_token`, `verify_token`, `authenticate_token`.

A token reads `th_<prefix>_<secret>`: the prefix (8 hex characters) is not secret and
finds the row; the whole token is checked against the stored SHA-256 hash with a
constant-time comparison. A plain hash (no salt, no slow KDF) is enough because the
secret is 256 random bits, not a password a person chose.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from townhall.accounts.models import TOKEN_NAME_MAX, ApiToken

TOKEN_PREFIX = "th"  # noqa: S105 (not a secret: every token starts with it)
# last_used_at is written at most this often per token, so busy clients cost no writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_PREFIX_BYTES = 4  # 8 hex characters
_SECRET_BYTES = 32
# Compared against when no token has the prefix, so a miss costs what a hit costs.
_DUMMY_HASH = hashlib.sha256(b"townhall-no-such-token").hexdigest()


class TokenError(ValueError):
    """A token request that cannot be done; the message says why."""


class InvalidToken(Exception):
    """A presented token that does not authenticate; the message says why."""


def hash_token(plaintext: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _may_manage(by: User | AnonymousUser | None, token: ApiToken) -> bool:
    if by is None:  # the CLI and the back office act as the operator
        return True
    return bool(by.is_authenticated and (by.pk == token.user_id or getattr(by, "is_staff", False)))


def create_token(
    user: User,
    name: str,
    scope: str = ApiToken.Scope.READ,
    *,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the plaintext, which is never shown again.

    `scope` is `read` or `write` (write includes read); `expires_at`, when given, must be
    a timezone-aware time in the future.
    """
    name = (name or "").strip()
    if not name:
        raise TokenError("A token needs a name that says what it is for, e.g. `crm-sync`.")
    if len(name) > TOKEN_NAME_MAX:
        raise TokenError(f"A token name is at most {TOKEN_NAME_MAX} characters long.")
    if scope not in ApiToken.Scope.values:
        raise TokenError(f"Scope must be `read` or `write`, not {scope!r}.")
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise TokenError("The expiry time must be timezone-aware.")
        if expires_at <= timezone.now():
            raise TokenError("The expiry time must be in the future.")
    if not user.is_active:
        raise TokenError("Deactivated users cannot get API tokens.")
    for _ in range(5):
        prefix = secrets.token_hex(_PREFIX_BYTES)
        plaintext = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name,
                    prefix=prefix,
                    secret_hash=hash_token(plaintext),
                    scope=scope,
                    expires_at=expires_at,
                )
        except IntegrityError:  # a prefix collision: one in four billion, try another
            continue
        return token, plaintext
    raise TokenError("Could not find a free token prefix; try again.")  # pragma: no cover


def revoke_token(token: ApiToken, *, by: User | AnonymousUser | None = None) -> ApiToken:
    """Revoke `token` from now on; revoking twice keeps the first time.

    `by` is who asks: the token's owner or a staff user (None means the operator, e.g. the CLI).
    """
    if not _may_manage(by, token):
        raise TokenError("Only the token's owner or staff can revoke it.")
    if token.revoked_at is None:
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        token.refresh_from_db(fields=["revoked_at"])
    return token


def verify_token(plaintext: str) -> ApiToken:
    """The token `plaintext` stands for, with its user loaded; raises InvalidToken saying why.

    Marks the token used (at most once a minute).
    """
    parts = plaintext.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        raise InvalidToken("Malformed token: Townhall tokens look like `th_<prefix>_<secret>`.")
    digest = hash_token(plaintext.strip())
    token = ApiToken.objects.select_related("user", "user__member").filter(prefix=parts[1]).first()
    if not hmac.compare_digest(digest, token.secret_hash if token else _DUMMY_HASH) or not token:
        raise InvalidToken("Unknown token: check that it was copied whole, or create a new one.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise InvalidToken(
            f"This token was revoked on {token.revoked_at:%Y-%m-%d %H:%M} UTC; create a new one."
        )
    if token.expires_at is not None and token.expires_at <= now:
        raise InvalidToken(
            f"This token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC; create a new one."
        )
    if not token.user.is_active:
        raise InvalidToken("This token's user account is deactivated.")
    _touch(token, now)
    return token


def authenticate_token(plaintext: str) -> ApiToken | None:
    """The usable token `plaintext` stands for, or None; see `verify_token` for the reasons."""
    try:
        return verify_token(plaintext)
    except InvalidToken:
        return None


def _touch(token: ApiToken, now: datetime) -> None:
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    # The condition in the UPDATE keeps concurrent requests from writing it more than once.
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
        pk=token.pk,
    ).update(last_used_at=now)
    token.last_used_at = now
