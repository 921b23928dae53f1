"""Pages of one's own account: `/account/tokens/` (API tokens); `/account/audit/` (the audit log)."""

from django.urls import path

from townhall.accounts import views

app_name = "accounts"

urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke, name="revoke_token"),
    path("audit/", views.audit_log, name="audit_log"),
]
