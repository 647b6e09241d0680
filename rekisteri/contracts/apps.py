from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "rekisteri.contracts"
    label = "contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        from rekisteri.contracts import relationship

        relationship.connect()
