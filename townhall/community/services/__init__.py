"""The community space's verbs: every change of state goes through one of these.

Each takes the acting Member as `by`, checks permissions (including that `by` can
read the board), runs in a transaction, records the action in the activity stream
(source `community`, channel = board slug) and creates in-app notifications.
Refusals raise PermissionDenied (not allowed) or ValidationError (not in this state).
"""

from townhall.community.services.articles import edit_article, promote_to_article, rate_article
from townhall.community.services.badges import grant_mvp, revoke_mvp
from townhall.community.services.bans import ban_member, unban_member
from townhall.community.services.boards import create_board
from townhall.community.services.consumption import (
    mark_solved_too,
    record_topic_view,
    record_view_activities,
    unmark_solved_too,
)
from townhall.community.services.deflection import (
    close_draft,
    open_suggestion,
    record_deflections,
)
from townhall.community.services.email import set_email_mode, unsubscribe
from townhall.community.services.ideas import set_idea_status, unvote, vote
from townhall.community.services.moderation import approve, delete_post, dismiss_flags, flag, hide
from townhall.community.services.notifications import mark_notifications_read
from townhall.community.services.questions import accept_solution, unaccept_solution
from townhall.community.services.reactions import like, unlike
from townhall.community.services.replies import (
    clear_official_response,
    create_reply,
    edit_reply,
    mark_official_response,
)
from townhall.community.services.reputation import rebuild_reputation
from townhall.community.services.subscriptions import follow, unfollow
from townhall.community.services.topic_moderation import (
    lock_topic,
    merge_topic,
    move_topic,
    pin_topic,
    unlock_topic,
    unpin_topic,
)
from townhall.community.services.topics import create_topic

__all__ = [
    "accept_solution",
    "approve",
    "ban_member",
    "clear_official_response",
    "close_draft",
    "create_board",
    "create_reply",
    "create_topic",
    "delete_post",
    "dismiss_flags",
    "edit_article",
    "edit_reply",
    "flag",
    "follow",
    "grant_mvp",
    "hide",
    "like",
    "lock_topic",
    "mark_notifications_read",
    "mark_official_response",
    "mark_solved_too",
    "merge_topic",
    "move_topic",
    "open_suggestion",
    "pin_topic",
    "promote_to_article",
    "rate_article",
    "rebuild_reputation",
    "record_deflections",
    "record_topic_view",
    "record_view_activities",
    "revoke_mvp",
    "set_email_mode",
    "set_idea_status",
    "unaccept_solution",
    "unban_member",
    "unfollow",
    "unlike",
    "unlock_topic",
    "unmark_solved_too",
    "unpin_topic",
    "unsubscribe",
    "unvote",
    "vote",
]
