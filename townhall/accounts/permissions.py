"""Who may do what: questions about a login, answered from its Member's role.

Roles live on the Member (`member < moderator < community_manager < admin`); a Django
superuser may do everything. Services ask these before they change anything, views ask
them to decide what to show.
"""

from __future__ import annotations

from typing import Any, cast

from townhall.core.models import Member, Role

# Cached on the user object, which lives for one request: every check on a page costs
# one query at most.
_CACHE_ATTRIBUTE = "_townhall_member"
_MAX_MERGE_DEPTH = 50
_NOT_CACHED = object()


def member_for(user: Any) -> Member | None:
    """The active Member behind a login, following merges; None for anonymous users.

    A login keeps pointing at its original Member after that member is merged into
    another person, so the merge chain is followed to the member that is still active.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, _CACHE_ATTRIBUTE, _NOT_CACHED)
    if cached is not _NOT_CACHED:
        return cast("Member | None", cached)
    member = Member.objects.filter(user_id=user.pk).select_related("organization").first()
    depth = 0
    while member is not None and member.merged_into_id is not None and depth < _MAX_MERGE_DEPTH:
        member = Member.objects.select_related("organization").get(pk=member.merged_into_id)
        depth += 1
    setattr(user, _CACHE_ATTRIBUTE, member)
    return member


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_superuser", False))


def has_role(user: Any, role: Role) -> bool:
    """True when the login is a superuser or its member has `role` or a higher one."""
    if is_superuser(user):
        return True
    member = member_for(user)
    return member is not None and member.has_role(role)


def can_manage_members(user: Any) -> bool:
    """Community managers and admins look after members: contact details, merges, exports."""
    return has_role(user, Role.COMMUNITY_MANAGER)


def can_see_contact_details(user: Any) -> bool:
    """Email addresses are for the people who manage members, not for every member."""
    return can_manage_members(user)


def can_set_roles(user: Any) -> bool:
    """Only admins (and superusers) hand out roles."""
    return has_role(user, Role.ADMIN)


def can_view_directory(user: Any) -> bool:
    """The directory, profiles and organization pages are for signed-in people.

    They show people imported from every source, who never chose to be listed on a
    public page.
    """
    return bool(getattr(user, "is_authenticated", False))


def can_view_audit_log(user: Any) -> bool:
    """Moderators and above read the audit log (who hid, banned, merged what, and why)."""
    return has_role(user, Role.MODERATOR)
