from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "rekisteri.messaging"
    label = "messaging"
    verbose_name = "Message history"
