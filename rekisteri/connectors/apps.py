from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "rekisteri.connectors"
    label = "connectors"
    verbose_name = "Registry connectors"

    def ready(self) -> None:
        # Imported in ready(): these modules import models, which load only
        # after the app registry is complete.
        # The register knows nothing of its connectors: they add their page
        # section and their ``manage.py registry`` subcommands here.
        # Art. 14(3)(b): the message form shows the notice owed to a person
        # and an outgoing message to them moves the deadline to it.
        from rekisteri.connectors import dashboard, hooks
        from rekisteri.connectors.contacts import first_contact, inform
        from rekisteri.messaging import extensions as messaging
        from rekisteri.privacy import panels
        from rekisteri.registry import extensions

        hooks.install()
        panels.register("connectors", dashboard.panel)
        messaging.register_outbound_listener("connectors.inform", inform.first_message)
        messaging.register_compose_duties("connectors.inform", first_contact.duties)
        extensions.register_person_section(
            "connectors.inform", first_contact.person_section
        )
        extensions.register_person_annotations(
            "connectors.inform", first_contact.person_flags
        )
