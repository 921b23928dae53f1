import json

import pytest

from townhall.accounts.models import ApiToken
from townhall.accounts.tokens import create_token, revoke_token
from townhall.core.models import Role

MEMBERS = "/api/v1/members"
ACTIVITIES = "/api/v1/activities"


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, body, token=None, **extra):
    headers = bearer(token) if token else {}
    return client.post(
        ACTIVITIES, data=json.dumps(body), content_type="application/json", **headers, **extra
    )


def test_no_credentials_answer_401_with_a_hint(client, db):
    response = client.get(MEMBERS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "/account/tokens/" in response.json()["detail"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Basic dXNlcjpwdw==", "must read `Bearer <token>`"),
        ("Bearer", "must read `Bearer <token>`"),
        ("Bearer nonsense", "Malformed token"),
        ("Bearer th_00000000_abcdefghijklmnopqrstuvwxyz", "Unknown token"),
    ],
)
def test_bad_credentials_answer_401_saying_what_is_wrong(client, db, header, message):
    response = client.get(MEMBERS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_a_revoked_token_answers_401(client, manager):
    token, plaintext = create_token(manager, "old")
    revoke_token(token)
    response = client.get(MEMBERS, **bearer(plaintext))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_read_and_write_tokens_may_read(client, read_token, write_token):
    for token in (read_token, write_token):
        assert client.get(MEMBERS, **bearer(token)).status_code == 200
        assert client.get("/api/v1/sources", **bearer(token)).status_code == 200


def test_a_read_token_may_not_write(client, read_token):
    response = post(client, [], read_token)
    assert response.status_code == 403
    assert "needs a token with `write` scope" in response.json()["detail"]


def test_a_write_token_may_write(client, write_token):
    assert post(client, [], write_token).status_code == 200


def test_tokens_of_people_who_do_not_manage_members_answer_403(client, make_user, make_token):
    for role in (None, Role.MODERATOR):
        token = make_token(make_user(role=role), scope="write")
        response = client.get(MEMBERS, **bearer(token))
        assert response.status_code == 403
        assert "community managers and admins" in response.json()["detail"]
        assert post(client, [], token).status_code == 403


def test_admins_and_superusers_may_use_the_api(client, make_user, make_token):
    for user in (make_user(role=Role.ADMIN), make_user(is_superuser=True)):
        assert client.get(MEMBERS, **bearer(make_token(user))).status_code == 200


def test_a_signed_in_manager_may_read_with_the_session_but_not_write(client, manager):
    client.force_login(manager)
    assert client.get(MEMBERS).status_code == 200
    response = post(client, [])
    assert response.status_code == 401
    assert "needs a token with write scope" in response.json()["detail"]


def test_a_signed_in_member_without_the_role_gets_403(client, make_user):
    client.force_login(make_user())
    assert client.get(MEMBERS).status_code == 403


def test_using_a_token_marks_it_used(client, read_token):
    assert ApiToken.objects.get(name="reader").last_used_at is None
    client.get(MEMBERS, **bearer(read_token))
    assert ApiToken.objects.get(name="reader").last_used_at is not None
