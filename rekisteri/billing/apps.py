from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "rekisteri.billing"
    label = "billing"
    verbose_name = "Invoicing and collection"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        # An open collection case is a legal hold on the billing contact's
        # data: erasure asks rekisteri.core.holds and is refused while it lasts.
        from rekisteri.billing.collection import collection_holds, collection_holds_bulk
        from rekisteri.billing.rights import PARTICIPANT_ENTRY
        from rekisteri.core import holds, participants

        holds.register(
            "billing.collection", collection_holds, bulk=collection_holds_bulk
        )
        # The bookkeeping copy on invoices is kept under the Accounting Act:
        # the participant gives each invoice's keep-until date.
        participants.register(PARTICIPANT_ENTRY)
