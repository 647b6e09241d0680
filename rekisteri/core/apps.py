from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class CoreConfig(AppConfig):
    name = "rekisteri.core"
    label = "core"
    verbose_name = "Rekisteri core"

    def ready(self) -> None:
        # Imported in ready(): blindindex and catalogue read the models, which
        # load only after the app registry is complete; importing catalogue
        # and checks registers their system checks.
        from django.apps import apps
        from django.db.backends.signals import connection_created
        from django.urls import register_converter
        from django.urls.converters import get_converters

        from rekisteri.core import (  # noqa: F401
            blindindex,
            catalogue,
            checks,
            conf,
            ids,
            keyring,
            pgloaders,
            textinput,
        )
        from rekisteri.core.crypto.master import KeyConfigError
        from rekisteri.core.files import prepare_process, tighten_sqlite

        # Again for processes that set Django up without an entry point that
        # did (the test runner, the benchmarks): owner-only files, var/ made.
        prepare_process()
        blindindex.connect(apps.get_models())
        connection_created.connect(tighten_sqlite, dispatch_uid="rekisteri-private")
        # PostgreSQL's timestamps read by psycopg's compiled loader.
        connection_created.connect(pgloaders.install, dispatch_uid="rekisteri-pgts")
        textinput.install()
        # Whole-number ids in paths have one spelling (core/ids.py); once
        # per process (ready() runs again when tests rebuild the registry).
        if "id" not in get_converters():
            register_converter(ids.RowNumber, "id")
        # A setting's environment variable that does not parse stops the
        # start-up, naming it (rekisteri/core/conf.py).
        conf.check_environment()
        # Fail at start-up, with what to set, rather than on first use.
        try:
            keyring.provider()
        except KeyConfigError as exc:
            raise ImproperlyConfigured(f"Rekisteri master key: {exc}") from None
