"""Analytics pages: dashboards, the network, segments, member score and network fragments."""

from django.urls import path  # noqa: F401  (patterns are added by the pages' modules)

app_name = "analytics"

urlpatterns: list = []

from townhall.analytics import network_views  # noqa: E402

urlpatterns += network_views.urlpatterns

from townhall.analytics import dashboard_views, segment_views  # noqa: E402

urlpatterns += dashboard_views.urlpatterns + segment_views.urlpatterns

from townhall.analytics import scoring_views  # noqa: E402

urlpatterns += scoring_views.urlpatterns
