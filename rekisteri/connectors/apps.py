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
        from rekisteri.connectors import dashboard, hooks
        from rekisteri.privacy import panels

        hooks.install()
        panels.register("connectors", dashboard.panel)
