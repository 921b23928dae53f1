from django.contrib.auth.models import User

from townhall.accounts.models import ApiToken
from townhall.accounts.tokens import authenticate_token, create_token

CHANGELIST = "/admin/accounts/apitoken/"


def test_the_back_office_lists_tokens_without_secrets_and_revokes_them(client, make_user):
    owner = make_user()
    token, plaintext = create_token(owner, "crm-sync", "write")
    admin = User.objects.create_superuser("boss", "boss@example.org", None)
    client.force_login(admin)
    page = client.get(CHANGELIST).content.decode()
    assert "crm-sync" in page and token.display_prefix in page
    assert plaintext.split("_", 2)[2] not in page and token.secret_hash not in page
    detail = client.get(f"{CHANGELIST}{token.pk}/change/").content.decode()
    assert token.secret_hash not in detail
    assert client.get(f"{CHANGELIST}add/").status_code == 403

    response = client.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert authenticate_token(plaintext) is None
