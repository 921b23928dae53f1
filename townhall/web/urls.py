from django.urls import path

from townhall.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("members/", views.member_directory, name="members"),
    path("members/<int:member_id>/", views.member_profile, name="member"),
    path("members/<int:member_id>/role/", views.member_set_role, name="member_set_role"),
    path("organizations/", views.organization_directory, name="organizations"),
    path(
        "organizations/<int:organization_id>/",
        views.organization_detail,
        name="organization",
    ),
]
