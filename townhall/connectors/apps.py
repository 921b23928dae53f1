from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "townhall.connectors"
    label = "connectors"
    verbose_name = "Connectors"

    def ready(self) -> None:
        from townhall.connectors import registry

        registry.autodiscover()
        registry.register_with_core()
