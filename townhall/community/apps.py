from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "townhall.community"
    label = "community"
    verbose_name = "Community space"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.community import group_section, profile_section

        group_section.register()
        profile_section.register()
