from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "rekisteri.contracts"
    label = "contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        from rekisteri.contracts import relationship
        from rekisteri.contracts.rights import PARTICIPANT_ENTRY
        from rekisteri.core import participants

        relationship.connect()
        # Contracts a person is a party of are in their access export.
        participants.register(PARTICIPANT_ENTRY)
