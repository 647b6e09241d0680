from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rekisteri.access"
    label = "access"
    verbose_name = "Need-to-know access"
