from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "rekisteri.privacy"
    label = "privacy"
    verbose_name = "Privacy office"

    def ready(self) -> None:
        # Registers the hosting-location system check.
        from rekisteri.privacy import checks  # noqa: F401
