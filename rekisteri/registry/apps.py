from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "rekisteri.registry"
    label = "registry"
    verbose_name = "Customer register"
