from django.apps import AppConfig


class DsrConfig(AppConfig):
    """Data-subject rights requests: cases, deadlines, identity, replies,
    the public portal (docs/requests.md)."""

    name = "rekisteri.dsr"
    label = "dsr"
    verbose_name = "Rights requests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        from rekisteri.core import participants
        from rekisteri.core.catalogue import register_own_key_model
        from rekisteri.dsr import dashboard, engine_actions
        from rekisteri.dsr.rights import PARTICIPANT_ENTRY
        from rekisteri.privacy import panels

        # The requester may not be in the register: their details are sealed
        # under the case's (or the unconfirmed draft's) own key.
        register_own_key_model("dsr.RequestCase")
        register_own_key_model("dsr.PortalDraft")
        panels.register("dsr", dashboard.panel)
        # A person's export lists the cases matched to them; erasure keeps
        # them under the privacy_case rule (rekisteri/dsr/rights.py).
        participants.register(PARTICIPANT_ENTRY)
        # Access, portability and erasure run through the rights engine.
        engine_actions.register()
