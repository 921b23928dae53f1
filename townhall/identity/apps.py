from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "townhall.identity"
    label = "identity"
    verbose_name = "Identity resolution"
