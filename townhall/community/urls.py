from django.urls import path

from townhall.community.views import actions, moderation, pages, standing
from townhall.community.views import search as search_views

app_name = "community"

urlpatterns = [
    path("", pages.board_index, name="index"),
    path("queue/", pages.queue, name="queue"),
    path("notifications/", pages.notifications, name="notifications"),
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/<str:kind>/<int:pk>/<str:action>/", moderation.decide, name="moderate"),
    path("flag/<str:kind>/<int:pk>/", moderation.flag, name="flag"),
    path("t/<int:topic_id>/mod/<str:action>/", moderation.topic_action, name="topic_action"),
    path("members/<int:member_id>/ban/", moderation.ban, name="ban"),
    path("members/<int:member_id>/unban/", moderation.unban, name="unban"),
    path("notifications/read/", actions.notifications_read, name="notifications_read"),
    path("reputation/", standing.reputation, name="reputation"),
    path("leaderboard/", standing.leaderboard, name="leaderboard"),
    path("me/", standing.dashboard, name="dashboard"),
    path("me/email/", standing.email_settings, name="email_settings"),
    path("follow/", standing.follow, name="follow"),
    path("unsubscribe/<str:token>/", standing.unsubscribe, name="unsubscribe"),
    path("b/<slug:slug>/", pages.board_page, name="board"),
    path("b/<slug:slug>/new/", pages.new_topic, name="new_topic"),
    path("search/", search_views.search_page, name="search"),
    path("b/<slug:slug>/similar/", search_views.similar, name="similar"),
    path(
        "b/<slug:slug>/similar/<int:topic_id>/",
        search_views.open_suggestion,
        name="open_suggestion",
    ),
    path("t/<int:topic_id>/solved-too/", search_views.solved_too, name="solved_too"),
    path("t/<int:topic_id>/", pages.topic_page, name="topic"),
    path("t/<int:topic_id>/reply/", actions.reply_create, name="reply"),
    path("t/<int:topic_id>/quote/", pages.quote, name="quote"),
    path("t/<int:topic_id>/like/", actions.like_topic, name="like_topic"),
    path("t/<int:topic_id>/vote/", actions.vote_toggle, name="vote"),
    path("t/<int:topic_id>/unaccept/", actions.unaccept, name="unaccept"),
    path("t/<int:topic_id>/status/", actions.idea_status, name="idea_status"),
    path("t/<int:topic_id>/helpful/", actions.helpful, name="helpful"),
    path("t/<int:topic_id>/promote/", actions.promote, name="promote"),
    path("t/<int:topic_id>/edit/", pages.article_edit, name="article_edit"),
    path("t/<int:topic_id>/revisions/", pages.article_revisions, name="article_revisions"),
    path("r/<int:reply_id>/like/", actions.like_reply, name="like_reply"),
    path("r/<int:reply_id>/accept/", actions.accept, name="accept"),
    path("r/<int:reply_id>/official/", actions.official, name="official"),
    path("r/<int:reply_id>/edit/", pages.reply_edit, name="reply_edit"),
    path("r/<int:reply_id>/history/", pages.reply_history, name="reply_history"),
]
