import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from townhall.accounts.models import ApiToken
from townhall.accounts.tokens import (
    InvalidToken,
    TokenError,
    authenticate_token,
    create_token,
    revoke_token,
    verify_token,
)


def test_create_token_returns_the_plaintext_and_stores_only_its_hash(make_user):
    user = make_user()
    token, plaintext = create_token(user, "crm-sync", "write")
    assert re.fullmatch(r"th_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}", plaintext)
    assert plaintext.startswith(f"th_{token.prefix}_")
    row = ApiToken.objects.get(pk=token.pk)
    assert row.secret_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    secret = plaintext.split("_", 2)[2]
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value or plaintext in value for value in stored)
    assert (row.name, row.scope, row.user_id) == ("crm-sync", "write", user.pk)
    assert secret not in str(row) and row.display_prefix == f"th_{token.prefix}_…"


def test_two_tokens_never_share_a_prefix_or_a_secret(make_user):
    user = make_user()
    plaintexts = {create_token(user, f"t{i}")[1] for i in range(20)}
    assert len(plaintexts) == 20
    assert ApiToken.objects.values("prefix").distinct().count() == 20


def test_authenticate_token_accepts_the_token_and_nothing_like_it(make_user):
    user = make_user()
    token, plaintext = create_token(user, "ci")
    assert authenticate_token(plaintext) == token
    assert authenticate_token(f"  {plaintext}\n") == token
    for wrong in [
        plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"),
        f"th_{token.prefix}_",
        f"th_00000000_{plaintext.split('_', 2)[2]}",
        plaintext.replace("th_", "xx_", 1),
        token.secret_hash,
        "",
        f"th_{token.prefix}",
    ]:
        assert authenticate_token(wrong) is None, wrong


def test_verify_token_says_why_a_token_is_refused(make_user):
    user = make_user()
    _, plaintext = create_token(user, "ci")
    with pytest.raises(InvalidToken, match="Malformed"):
        verify_token("abc")
    with pytest.raises(InvalidToken, match="Unknown token"):
        verify_token(plaintext + "x")


def test_a_revoked_token_no_longer_authenticates(make_user):
    user = make_user()
    token, plaintext = create_token(user, "ci")
    revoke_token(token, by=user)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    assert first is not None
    revoke_token(token, by=user)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert authenticate_token(plaintext) is None
    with pytest.raises(InvalidToken, match="revoked"):
        verify_token(plaintext)


def test_an_expired_token_no_longer_authenticates(make_user):
    user = make_user()
    token, plaintext = create_token(user, "ci", expires_at=timezone.now() + timedelta(hours=1))
    assert authenticate_token(plaintext) == token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(plaintext)


def test_a_deactivated_users_token_no_longer_authenticates(make_user):
    user = make_user()
    _, plaintext = create_token(user, "ci")
    user.is_active = False
    user.save()
    with pytest.raises(InvalidToken, match="deactivated"):
        verify_token(plaintext)


def test_last_used_at_is_written_at_most_once_a_minute(make_user, django_assert_num_queries):
    user = make_user()
    token, plaintext = create_token(user, "ci")
    assert token.last_used_at is None
    with django_assert_num_queries(2):  # look up, mark used
        verify_token(plaintext)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # look up only
        verify_token(plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    verify_token(plaintext)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - timedelta(minutes=2)


@pytest.mark.parametrize(
    ("name", "scope", "expires_in", "message"),
    [
        ("", "read", None, "needs a name"),
        ("x" * 101, "read", None, "at most 100"),
        ("ci", "admin", None, "Scope must be"),
        ("ci", "read", timedelta(minutes=-1), "in the future"),
    ],
)
def test_create_token_refuses_bad_requests(make_user, name, scope, expires_in, message):
    expires_at = timezone.now() + expires_in if expires_in else None
    with pytest.raises(TokenError, match=message):
        create_token(make_user(), name, scope, expires_at=expires_at)
    assert not ApiToken.objects.exists()


def test_only_the_owner_or_staff_may_revoke_a_token(make_user):
    owner, stranger = make_user(), make_user()
    staff = make_user(is_staff=True)
    token, _ = create_token(owner, "ci")
    with pytest.raises(TokenError, match="owner or staff"):
        revoke_token(token, by=stranger)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    revoke_token(token, by=staff)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_write_scope_includes_read(make_user):
    read, _ = create_token(make_user(), "r", "read")
    write, _ = create_token(make_user(), "w", "write")
    assert read.allows("read") and not read.allows("write")
    assert write.allows("read") and write.allows("write")
