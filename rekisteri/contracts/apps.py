from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "rekisteri.contracts"
    label = "contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        from rekisteri.contracts import relationship, selectors
        from rekisteri.contracts.rights import PARTICIPANT_ENTRY
        from rekisteri.core import participants
        from rekisteri.registry import extensions

        relationship.connect()
        # The person page's contract section reads from the person's query.
        extensions.register_person_annotations("contracts", selectors.person_party_rows)
        # Contracts a person is a party of are in their access export.
        participants.register(PARTICIPANT_ENTRY)
