from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "rekisteri.access"
    label = "access"
    verbose_name = "Need-to-know access"

    def ready(self) -> None:
        from rekisteri.access.selectors import user_preload
        from rekisteri.accounts.backends import register_user_preload

        # The role's matrix row and person scope come with the session's
        # account, in its query (rekisteri/accounts/backends.py).
        register_user_preload("access", user_preload)
