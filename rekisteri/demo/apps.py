from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Development only: demo data and demo logins (`manage.py demo_setup`).

    The top floor: it may import every app, and nothing imports it.
    """

    name = "rekisteri.demo"
    label = "demo"
    verbose_name = "Demo data"
