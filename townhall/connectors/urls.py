from django.urls import path

from townhall.connectors import views

urlpatterns = [path("", views.sources, name="sources")]
