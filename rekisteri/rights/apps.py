from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "rekisteri.rights"
    label = "rights"
    verbose_name = "Data-subject rights"

    def ready(self) -> None:
        # rights.E001: personal data the engine cannot reach from a person.
        from rekisteri.rights import checks  # noqa: F401
