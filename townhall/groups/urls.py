from django.urls import path

from townhall.groups import views

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_new, name="new"),
    path(
        "invitations/<int:invitation_id>/<str:decision>/",
        views.invitation_respond,
        name="invitation_respond",
    ),
    path("<slug:slug>/", views.group_detail, name="detail"),
    path("<slug:slug>/join/", views.group_join, name="join"),
    path("<slug:slug>/leave/", views.group_leave, name="leave"),
    path("<slug:slug>/request/", views.group_request, name="request"),
    path("<slug:slug>/invite/", views.group_invite, name="invite"),
    path(
        "<slug:slug>/requests/<int:request_id>/<str:decision>/",
        views.request_decide,
        name="request_decide",
    ),
]
