from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "townhall.web"
    label = "web"

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib import admin

        # The back office carries the community's name, not Django's.
        admin.site.site_header = f"{settings.SITE_NAME} back office"
        admin.site.site_title = f"{settings.SITE_NAME} back office"
        admin.site.index_title = "Members, sources, activities and imports"
