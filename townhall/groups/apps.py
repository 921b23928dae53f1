from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "townhall.groups"
    label = "groups"
    verbose_name = "Groups"
    default_auto_field = "django.db.models.BigAutoField"
