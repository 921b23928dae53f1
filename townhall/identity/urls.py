from django.urls import path

from townhall.identity import views

app_name = "identity"
urlpatterns = [
    path("review/", views.review_queue, name="queue"),
    path("review/<int:suggestion_id>/", views.review_detail, name="detail"),
    path("review/<int:suggestion_id>/decide/", views.review_decide, name="decide"),
]
