from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "rekisteri.billing"
    label = "billing"
    verbose_name = "Invoicing and collection"
