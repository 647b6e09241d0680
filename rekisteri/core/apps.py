from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rekisteri.core"
    label = "core"
    verbose_name = "Rekisteri core"

    def ready(self) -> None:
        # Registers the catalogue system check.
        from rekisteri.core import catalogue  # noqa: F401
