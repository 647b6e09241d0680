from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "rekisteri.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        # The top floor: lower apps announce their changes through Django
        # signals and read the legal periods through core.fiscal's hook.
        from rekisteri.core import fiscal
        from rekisteri.retention import periods, signals

        fiscal.register_years(periods.years_for)
        signals.connect()
        from rekisteri.retention import checks  # noqa: F401
