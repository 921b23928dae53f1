from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "townhall.community"
    label = "community"
    verbose_name = "Community space"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from townhall.community import group_section, profile_section
        from townhall.community.search_schema import after_migrate, before_migrate
        from townhall.community.services import member_merges

        group_section.register()
        profile_section.register()
        member_merges.register()  # topics, replies, likes… follow merges of people
        # Schema upkeep, not a business rule: SQLite table rebuilds drop the search triggers.
        pre_migrate.connect(before_migrate, sender=self, dispatch_uid="community-search-triggers")
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="community-search-schema")
