import pytest
from django.urls import reverse

from townhall.accounts.models import ApiToken
from townhall.accounts.tokens import authenticate_token, create_token

pytestmark = pytest.mark.usefixtures("base_template")
URL = "/account/tokens/"


def test_the_tokens_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_creating_a_token_shows_its_plaintext_once(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post(URL, {"name": "import script", "scope": "write", "expires_in": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    plaintext = response.context["plaintext"]
    assert authenticate_token(plaintext) == token
    assert plaintext in response.content.decode()
    assert (token.name, token.scope) == ("import script", "write")
    assert token.expires_at is not None

    again = client.get(URL).content.decode()
    assert plaintext not in again
    assert "import script" in again and token.display_prefix in again


def test_an_invalid_form_creates_nothing_and_says_why(client, make_user):
    client.force_login(make_user())
    response = client.post(URL, {"name": "", "scope": "everything"})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    assert response.context["form"].errors.keys() == {"name", "scope"}


def test_the_page_lists_only_ones_own_tokens(client, make_user):
    me, other = make_user(), make_user()
    create_token(me, "mine")
    create_token(other, "theirs")
    client.force_login(me)
    page = client.get(URL).content.decode()
    assert "mine" in page and "theirs" not in page


def test_revoking_ones_own_token(client, make_user):
    user = make_user()
    token, plaintext = create_token(user, "old")
    client.force_login(user)
    response = client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == URL
    assert authenticate_token(plaintext) is None
    assert "Revoked" in client.get(URL).content.decode()


def test_nobody_can_revoke_someone_elses_token(client, make_user):
    owner, intruder = make_user(), make_user()
    token, plaintext = create_token(owner, "ci")
    client.force_login(intruder)
    assert client.post(reverse("accounts:revoke_token", args=[token.pk])).status_code == 404
    assert client.get(reverse("accounts:revoke_token", args=[token.pk])).status_code == 405
    assert authenticate_token(plaintext) == token
