from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "rekisteri.privacy"
    label = "privacy"
    verbose_name = "Privacy office"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        # Registers the hosting-location system check.
        from rekisteri.privacy import checks  # noqa: F401
        from rekisteri.privacy.selectors import person_versions
        from rekisteri.registry import extensions

        # The notice versions come with the person page's own query.
        extensions.register_person_annotations("privacy", person_versions)
