from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "rekisteri.contracts"
    label = "contracts"
    verbose_name = "Contracts"
