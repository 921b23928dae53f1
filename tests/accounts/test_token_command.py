from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from townhall.accounts.models import ApiToken
from townhall.accounts.tokens import authenticate_token


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_token_create_prints_a_working_token_once(make_user):
    user = make_user(email="Dev@Example.org")
    out, err = run("create", "--user", "dev@example.org", "--name", "sync", "--scope", "write")
    plaintext = out.strip()
    token = authenticate_token(plaintext)
    assert token is not None and token.user == user and token.scope == "write"
    assert "shown this once" in err and plaintext not in err


def test_token_create_with_an_expiry(make_user):
    make_user(email="dev@example.org")
    run("create", "--user", "dev@example.org", "--name", "tmp", "--expires-days", "7")
    assert ApiToken.objects.get().expires_at is not None


def test_token_create_for_an_unknown_user_fails_with_a_hint(db):
    with pytest.raises(CommandError, match="No user has the email"):
        run("create", "--user", "nobody@example.org", "--name", "x")


def test_token_list_and_revoke(make_user):
    make_user(email="dev@example.org")
    plaintext = run("create", "--user", "dev@example.org", "--name", "sync")[0].strip()
    prefix = plaintext.split("_")[1]
    listing = run("list")[0]
    assert f"th_{prefix}" in listing and "active" in listing and plaintext not in listing
    assert "Revoked" in run("revoke", f"th_{prefix}")[0]
    assert authenticate_token(plaintext) is None
    assert "revoked" in run("list", "--user", "dev@example.org")[0]
    with pytest.raises(CommandError, match="No token has the prefix"):
        run("revoke", "th_ffffffff")


def test_token_create_names_the_token_cli_by_default(make_user):
    make_user(email="dev@example.org")
    run("create", "--user", "dev@example.org", "--scope", "read")
    assert ApiToken.objects.get().name == "cli"
