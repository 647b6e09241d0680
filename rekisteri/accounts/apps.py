from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rekisteri.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"
