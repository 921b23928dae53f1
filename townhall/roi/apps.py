from django.apps import AppConfig


class RoiConfig(AppConfig):
    name = "townhall.roi"
    label = "roi"
    verbose_name = "ROI"
    default_auto_field = "django.db.models.BigAutoField"
