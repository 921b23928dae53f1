"""Sign-up creates the Member; roles and the permission questions; allauth pages in the layout."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import get_template

from townhall.accounts.permissions import (
    can_manage_members,
    can_see_contact_details,
    can_set_roles,
    member_for,
)
from townhall.accounts.services import set_role
from townhall.core.models import Member, Role
from townhall.core.services import merge_members

SIGNUP = {
    "email": "newcomer@example.org",
    "name": "Nora Newcomer",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


def test_sign_up_creates_a_member_logs_in_and_the_profile_shows_them(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.org")
    member = Member.objects.get(user=user)
    assert member.display_name == "Nora Newcomer"
    assert member.identities.filter(source__slug="community").exists()

    home = client.get("/").content.decode()
    assert f'href="/members/{member.pk}/"' in home and "Nora Newcomer" in home
    profile = client.get(f"/members/{member.pk}/").content.decode()
    assert "<h1>Nora Newcomer</h1>" in profile and "This is you" in profile


def test_sign_up_with_mandatory_verification_still_creates_the_member(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post("/accounts/signup/", SIGNUP, follow=True)
    assert Member.objects.filter(user__email="newcomer@example.org").exists()
    assert b"verify your email address" in response.content.lower()


def test_sign_up_errors_are_shown_next_to_the_fields(client, db):
    response = client.post("/accounts/signup/", {**SIGNUP, "password2": "different"})
    assert response.status_code == 200
    assert "You must type the same password each time." in response.content.decode()
    assert not User.objects.exists()


def test_logging_out_is_a_post(member_client):
    response = member_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert b"Log out" not in member_client.get("/").content


def test_member_for_follows_merges(make_login, community):
    user = make_login(name="Merged Login")
    keep = community(1)[0]
    merge_members(keep, Member.objects.get(user=user), reason="same", by="test")
    user = User.objects.get(pk=user.pk)
    assert member_for(user) == keep


def test_member_for_anonymous_and_memberless_logins_is_none(db):
    from django.contrib.auth.models import AnonymousUser

    assert member_for(AnonymousUser()) is None
    assert member_for(User.objects.create_user("bare", "bare@x.org", "pw")) is None


def test_permission_questions_follow_the_role_ladder(make_login):
    member = make_login()
    moderator = make_login(role=Role.MODERATOR)
    manager = make_login(role=Role.COMMUNITY_MANAGER)
    admin = make_login(role=Role.ADMIN)
    superuser = User.objects.create_superuser("su", "su@x.org", "pw")
    assert [can_manage_members(u) for u in (member, moderator, manager, admin, superuser)] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert [can_set_roles(u) for u in (member, moderator, manager, admin, superuser)] == [
        False,
        False,
        False,
        True,
        True,
    ]
    assert can_see_contact_details(manager) and not can_see_contact_details(moderator)


def test_an_admin_can_set_a_role(make_login):
    admin = make_login(role=Role.ADMIN)
    target = make_login().member
    set_role(target, Role.MODERATOR, by=admin)
    assert Member.objects.get(pk=target.pk).role == Role.MODERATOR


def test_a_superuser_without_a_member_can_set_a_role(make_login):
    target = make_login().member
    superuser = User.objects.create_superuser("su", "su@x.org", "pw")
    set_role(target, "admin", by=superuser)
    assert Member.objects.get(pk=target.pk).role == Role.ADMIN


def test_an_acting_member_must_be_an_admin(make_login):
    manager = make_login(role=Role.COMMUNITY_MANAGER)
    target = make_login().member
    with pytest.raises(PermissionDenied):
        set_role(target, Role.ADMIN, by=manager)
    with pytest.raises(PermissionDenied):
        set_role(target, Role.ADMIN, by=manager.member)
    assert Member.objects.get(pk=target.pk).role == Role.MEMBER


def test_an_unknown_role_is_refused(make_login):
    admin = make_login(role=Role.ADMIN)
    with pytest.raises(ValueError):
        set_role(make_login().member, "emperor", by=admin)


def test_the_last_admin_cannot_be_demoted_by_an_admin(make_login):
    admin = make_login(role=Role.ADMIN)
    with pytest.raises(ValidationError):
        set_role(admin.member, Role.MEMBER, by=admin)
    other = make_login(role=Role.ADMIN)
    set_role(admin.member, Role.MEMBER, by=other)
    assert Member.objects.get(pk=admin.member.pk).role == Role.MEMBER


def test_a_merged_member_has_no_role_to_set(make_login, community):
    admin = make_login(role=Role.ADMIN)
    absorbed = Member.objects.get(merged_into=community(1)[0])
    with pytest.raises(ValidationError):
        set_role(absorbed, Role.MODERATOR, by=admin)


def test_admins_change_roles_from_the_profile_page(admin_client_member, community):
    person = community(1)[0]
    page = admin_client_member.get(f"/members/{person.pk}/").content.decode()
    assert 'name="role"' in page and '<label for="member-role">' in page
    response = admin_client_member.post(
        f"/members/{person.pk}/role/", {"role": "moderator"}, follow=True
    )
    assert Member.objects.get(pk=person.pk).role == Role.MODERATOR
    assert "is now moderator" in response.content.decode()


def test_members_see_no_role_form_and_cannot_post_one(member_client, community):
    person = community(1)[0]
    assert 'name="role"' not in member_client.get(f"/members/{person.pk}/").content.decode()
    response = member_client.post(f"/members/{person.pk}/role/", {"role": "admin"})
    assert response.status_code == 403
    assert Member.objects.get(pk=person.pk).role == Role.MEMBER


def test_a_bad_role_from_the_form_is_explained(admin_client_member, community):
    person = community(1)[0]
    response = admin_client_member.post(
        f"/members/{person.pk}/role/", {"role": "emperor"}, follow=True
    )
    assert "is not a role" in response.content.decode()


def _site_layout_wraps_allauth() -> bool:
    origin = get_template("allauth/layouts/base.html").origin.name
    return "/townhall/web/templates/" in str(origin)


def test_allauth_pages_render_in_the_site_layout(client, db):
    if not _site_layout_wraps_allauth():
        pytest.skip(
            "allauth's own templates win: townhall.web must come before allauth in INSTALLED_APPS"
        )
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        html = client.get(url).content.decode()
        assert '<a class="skip-link" href="#main">' in html, url
        assert '<div class="auth"><div class="card">' in html, url
        assert 'class="field"' in html, url
