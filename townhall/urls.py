"""URL map: pages, accounts, the API and the back office."""

from django.contrib import admin
from django.urls import include, path

from townhall.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("townhall.accounts.urls")),
    path("api/v1/", api.urls),
    path("identity/", include("townhall.identity.urls")),
    path("sources/", include("townhall.connectors.urls")),
    path("groups/", include("townhall.groups.urls")),
    path("community/", include("townhall.community.urls")),
    path("analytics/", include("townhall.analytics.urls")),
    path("crm/", include("townhall.crm.urls")),
    path("roi/", include("townhall.roi.urls")),
    path("", include("townhall.web.urls")),
]
