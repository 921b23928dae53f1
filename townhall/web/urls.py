from django.urls import path

from townhall.web import views

urlpatterns = [path("", views.home, name="home")]
