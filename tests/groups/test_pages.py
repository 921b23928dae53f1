"""Group pages: the directory, a group's page, and its forms."""

from __future__ import annotations

from townhall.groups import services
from townhall.groups.models import GroupMembership, JoinRequest, Privacy

from .conftest import login


def test_the_group_directory_lists_public_and_private_groups_but_not_secret_ones(
    client, make_group
):
    make_group(name="Open circle")
    make_group(name="Closed circle", privacy=Privacy.PRIVATE)
    make_group(name="Hidden circle", privacy=Privacy.SECRET)
    page = client.get("/groups/").content.decode()
    assert "Open circle" in page and "Closed circle" in page
    assert "Hidden circle" not in page


def test_a_secret_group_page_is_a_404_for_outsiders(client, make_group, make_person):
    group = make_group(privacy=Privacy.SECRET)
    assert client.get(f"/groups/{group.slug}/").status_code == 404
    login(client, make_person())
    assert client.get(f"/groups/{group.slug}/").status_code == 404
    assert client.post(f"/groups/{group.slug}/join/").status_code == 404


def test_a_member_joins_a_public_group_from_its_page(client, make_group, make_person):
    group, person = make_group(name="Makers"), make_person()
    login(client, person)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Join Makers" in page
    response = client.post(f"/groups/{group.slug}/join/", follow=True)
    assert "Welcome to Makers" in response.content.decode()
    assert GroupMembership.objects.filter(group=group, member=person).exists()


def test_a_private_group_page_offers_a_request_and_its_admin_approves_it(
    client, make_group, make_person, manager
):
    group, person = make_group(privacy=Privacy.PRIVATE), make_person(name="Rita Requester")
    login(client, person)
    client.post(f"/groups/{group.slug}/request/", {"message": "please"})
    request = JoinRequest.objects.get(group=group, member=person)
    login(client, manager)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Rita Requester" in page and "Approve" in page
    client.post(f"/groups/{group.slug}/requests/{request.pk}/approve/")
    assert GroupMembership.objects.filter(group=group, member=person).exists()


def test_a_group_admin_invites_by_name_and_the_invitee_accepts(
    client, make_group, make_person, manager
):
    group, guest = make_group(privacy=Privacy.SECRET), make_person(name="Gita Guest")
    login(client, manager)
    client.post(f"/groups/{group.slug}/invite/", {"who": "gita guest"})
    invitation = guest.group_invitations.get()
    login(client, guest)
    assert group.name in client.get("/groups/").content.decode()
    client.post(f"/groups/invitations/{invitation.pk}/accept/")
    assert GroupMembership.objects.filter(group=group, member=guest).exists()


def test_a_manager_creates_a_group_from_the_form(client, manager):
    login(client, manager)
    response = client.post(
        "/groups/new/", {"name": "Beta testers", "privacy": "private", "description": "x"}
    )
    assert response.status_code == 302
    assert GroupMembership.objects.get(group__slug="beta-testers").member == manager


def test_an_ordinary_member_cannot_open_the_new_group_form(client, make_person):
    login(client, make_person())
    assert client.get("/groups/new/").status_code == 403


def test_the_group_page_lists_its_members(client, make_group, make_person):
    group, person = make_group(), make_person(name="Mo Member")
    services.join_group(group, by=person)
    assert "Mo Member" in client.get(f"/groups/{group.slug}/").content.decode()
