from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rekisteri.audit"
    label = "audit"
    verbose_name = "Audit log"
