from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rekisteri.access"
    label = "access"
    verbose_name = "Need-to-know access"

    def ready(self) -> None:
        # Imported here: the app registry must be complete before the
        # catalogue's models are read. The audit log records families, and
        # learns from this app how a catalogue category maps to one.
        from rekisteri.access.families import as_family
        from rekisteri.audit.services import register_family_mapping

        register_family_mapping(as_family)

        from rekisteri.access.selectors import user_preload
        from rekisteri.accounts.backends import register_user_preload

        # The role's matrix row and person scope come with the session's
        # account, in its query (rekisteri/accounts/backends.py).
        register_user_preload("access", user_preload)
