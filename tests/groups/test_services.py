"""Group verbs: who gets in, how, and who decides."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.core.models import Activity, Role
from townhall.groups import selectors, services
from townhall.groups.models import Decision, GroupMembership, GroupRole, Privacy


def test_a_community_manager_creates_a_group_and_becomes_its_admin(manager):
    group = services.create_group(name="Power users", privacy="public", by=manager)
    assert group.slug == "power-users"
    membership = GroupMembership.objects.get(group=group, member=manager)
    assert membership.role == GroupRole.ADMIN


def test_an_ordinary_member_cannot_create_a_group(make_person):
    with pytest.raises(PermissionDenied):
        services.create_group(name="Mine", privacy="public", by=make_person())


def test_two_groups_cannot_share_an_address(make_group):
    make_group(name="Berlin")
    with pytest.raises(ValidationError):
        make_group(name="Berlin")


def test_anyone_signed_in_joins_a_public_group_and_it_is_recorded(make_group, make_person):
    group, person = make_group(), make_person()
    membership = services.join_group(group, by=person)
    assert membership.role == GroupRole.MEMBER
    activity = Activity.objects.get(external_id=f"group_membership:{membership.pk}")
    assert activity.kind.slug == "group_join"
    assert activity.channel == f"group:{group.slug}"
    assert services.join_group(group, by=person) == membership  # twice is once


def test_joining_a_private_group_needs_a_request(make_group, make_person):
    group = make_group(privacy=Privacy.PRIVATE)
    with pytest.raises(ValidationError, match="ask to join"):
        services.join_group(group, by=make_person())


def test_a_group_admin_approves_a_join_request(make_group, make_person, manager):
    group, person = make_group(privacy=Privacy.PRIVATE), make_person()
    request = services.request_to_join(group, by=person, message="I run the Berlin meetup")
    assert services.request_to_join(group, by=person) == request  # asking twice is once
    services.approve_request(request, by=manager)
    request.refresh_from_db()
    assert request.status == Decision.APPROVED and request.decided_by == manager
    assert GroupMembership.objects.filter(group=group, member=person).exists()


def test_a_group_admin_declines_a_join_request_and_the_member_may_ask_again(
    make_group, make_person, manager
):
    group, person = make_group(privacy=Privacy.PRIVATE), make_person()
    request = services.request_to_join(group, by=person)
    services.decline_request(request, by=manager)
    assert not GroupMembership.objects.filter(group=group, member=person).exists()
    again = services.request_to_join(group, by=person)
    assert again.pk != request.pk and again.status == Decision.PENDING


def test_an_ordinary_member_cannot_decide_on_join_requests(make_group, make_person):
    group = make_group(privacy=Privacy.PRIVATE)
    request = services.request_to_join(group, by=make_person())
    bystander = make_person()
    with pytest.raises(PermissionDenied):
        services.approve_request(request, by=bystander)
    with pytest.raises(PermissionDenied):
        services.decline_request(request, by=bystander)


def test_a_decided_request_cannot_be_decided_again(make_group, make_person, manager):
    group = make_group(privacy=Privacy.PRIVATE)
    request = services.request_to_join(group, by=make_person())
    services.approve_request(request, by=manager)
    with pytest.raises(ValidationError):
        services.decline_request(request, by=manager)


def test_a_secret_group_is_joined_only_by_invitation(make_group, make_person, manager):
    group, person = make_group(privacy=Privacy.SECRET), make_person()
    with pytest.raises(PermissionDenied):
        services.join_group(group, by=person)
    with pytest.raises(PermissionDenied):
        services.request_to_join(group, by=person)
    invitation = services.invite_to_group(group, person, by=manager)
    membership = services.accept_invitation(invitation, by=person)
    assert membership.member == person


def test_an_invitation_can_be_declined_only_by_the_person_invited(make_group, make_person, manager):
    group, person = make_group(privacy=Privacy.SECRET), make_person()
    invitation = services.invite_to_group(group, person, by=manager)
    with pytest.raises(PermissionDenied):
        services.decline_invitation(invitation, by=make_person())
    services.decline_invitation(invitation, by=person)
    invitation.refresh_from_db()
    assert invitation.status == Decision.DECLINED
    assert not selectors.visible_groups(person).filter(pk=group.pk).exists()


def test_only_group_admins_invite(make_group, make_person):
    group = make_group(privacy=Privacy.SECRET)
    with pytest.raises(PermissionDenied):
        services.invite_to_group(group, make_person(), by=make_person())


def test_a_group_admin_who_is_not_a_manager_can_invite(make_group, make_person, manager):
    group, admin, guest = make_group(privacy=Privacy.SECRET), make_person(), make_person()
    services.accept_invitation(services.invite_to_group(group, admin, by=manager), by=admin)
    services.set_group_role(group, admin, GroupRole.ADMIN, by=manager)
    assert services.invite_to_group(group, guest, by=admin).member == guest


def test_the_last_admin_cannot_leave_a_group_with_members(make_group, make_person, manager):
    group, person = make_group(), make_person()
    services.join_group(group, by=person)
    with pytest.raises(ValidationError, match="only admin"):
        services.leave_group(group, by=manager)
    services.leave_group(group, by=person)
    assert not GroupMembership.objects.filter(group=group, member=person).exists()


def test_a_group_keeps_at_least_one_admin(make_group, manager):
    group = make_group()
    with pytest.raises(ValidationError):
        services.set_group_role(group, manager, GroupRole.MEMBER, by=manager)


def test_secret_groups_are_invisible_to_outsiders_and_visible_to_members_and_invitees(
    make_group, make_person, manager
):
    secret = make_group(privacy=Privacy.SECRET)
    public, private = make_group(), make_group(privacy=Privacy.PRIVATE)
    outsider, invitee = make_person(), make_person()
    services.invite_to_group(secret, invitee, by=manager)
    assert set(selectors.visible_groups(None)) == {public, private}
    assert set(selectors.visible_groups(outsider)) == {public, private}
    assert secret in selectors.visible_groups(invitee)
    assert secret in selectors.visible_groups(manager)
    moderator = make_person(role=Role.MODERATOR)
    assert secret in selectors.visible_groups(moderator)
