from django.apps import AppConfig


class KeystoreConfig(AppConfig):
    name = "rekisteri.keystore"
    label = "keystore"
    verbose_name = "Key store"
