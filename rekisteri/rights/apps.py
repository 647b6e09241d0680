from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "rekisteri.rights"
    label = "rights"
    verbose_name = "Data-subject rights"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        # rights.E001: personal data the engine cannot reach from a person.
        from rekisteri.core import participants
        from rekisteri.rights import checks  # noqa: F401
        from rekisteri.rights.rectification import PARTICIPANT
        from rekisteri.rights.replay import PARTICIPANT as REPLAY

        participants.register(PARTICIPANT)
        # After a restore, the erasure's declared deletions again.
        participants.register(REPLAY)
