"""A URL map mounting the connectors' router as /api/v1 does, for these tests only."""

from django.urls import path
from ninja import NinjaAPI

from townhall.connectors.api import router

api = NinjaAPI(urls_namespace="connectors-webhook-tests", docs_url=None)
api.add_router("/", router)

urlpatterns = [path("api/v1/", api.urls)]
