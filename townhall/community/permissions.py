"""Who may do what in the community space. The verbs ask these; pages ask them to decide
which buttons to show. Roles come from the Member (see accounts.permissions)."""

from __future__ import annotations

from townhall.community.models import Reply, Topic, TopicKind
from townhall.core.models import ROLE_RANK, Member, Role


def is_moderator(member: Member | None) -> bool:
    """Moderators, community managers and admins: they see every board and may act anywhere."""
    return member is not None and member.has_role(Role.MODERATOR)


def is_team(member: Member | None) -> bool:
    """The company's people in the community: employees and moderators and above."""
    return member is not None and (member.is_employee or is_moderator(member))


def can_start(kind: str, member: Member | None) -> bool:
    """Anyone signed in starts questions, ideas and discussions; articles are the team's."""
    if member is None:
        return False
    return kind != TopicKind.ARTICLE or is_team(member)


def can_accept_solution(topic: Topic, member: Member | None) -> bool:
    """The asker, a moderator or an employee accepts the solution of a question."""
    return (
        member is not None
        and topic.kind == TopicKind.QUESTION
        and (topic.author_id == member.pk or is_team(member))
    )


def can_mark_official(reply: Reply, member: Member | None) -> bool:
    """An employee's reply may be marked official, by an employee or a moderator."""
    return is_team(member) and reply.author.is_employee and not reply.is_official_comment


def can_edit_reply(reply: Reply, member: Member | None) -> bool:
    return member is not None and (reply.author_id == member.pk or is_moderator(member))


def can_edit_article(topic: Topic, member: Member | None) -> bool:
    return (
        topic.kind == TopicKind.ARTICLE
        and member is not None
        and (topic.author_id == member.pk or is_team(member))
    )


def can_set_idea_status(member: Member | None) -> bool:
    return is_team(member)


def can_moderate(member: Member | None) -> bool:
    """Hide, approve, delete, lock, pin, move, merge, resolve flags: moderators and above."""
    return is_moderator(member)


def can_ban(member: Member | None, target: Member) -> bool:
    """Moderators and above ban members whose role is below their own (never themselves)."""
    return (
        is_moderator(member)
        and member is not None
        and member.pk != target.pk
        and ROLE_RANK[Role(target.role)] < ROLE_RANK[Role(member.role)]
    )
