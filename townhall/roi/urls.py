from django.urls import path

from townhall.roi import views

app_name = "roi"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<slug:topic>/", views.overview, name="topic"),
]
