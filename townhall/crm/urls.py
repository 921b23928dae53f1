from django.urls import path

from townhall.crm import views

app_name = "crm"
urlpatterns = [
    path("links/", views.review_links, name="links"),
    path("links/contact/<int:contact_id>/", views.decide_contact, name="decide_contact"),
    path("links/account/<int:account_id>/", views.decide_account, name="decide_account"),
]
