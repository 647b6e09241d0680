from django.apps import AppConfig

from rekisteri.audit import events


class AuditConfig(AppConfig):
    name = "rekisteri.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Every app's audit_events module, once the app registry is complete.
        events.discover()
