"""The sources the privacy notice names: the person, the customer company,
our staff, and outside registries (Suomen Asiakastieto, Fonecta, PRH)."""

from django.db import migrations

SOURCES = [
    ("data_subject", "Rekisteröity itse / The data subject", "data_subject"),
    ("customer_company", "Asiakasyritys / The customer company", "customer_company"),
    ("staff", "Henkilökunta / Our staff", "staff"),
    ("asiakastieto", "Suomen Asiakastieto Oy", "registry"),
    ("fonecta", "Fonecta Oy", "registry"),
    ("prh", "Patentti- ja rekisterihallitus (YTJ)", "registry"),
]


def add_sources(apps, schema_editor):
    DataSource = apps.get_model("registry", "DataSource")
    for code, name, kind in SOURCES:
        DataSource.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})


def remove_sources(apps, schema_editor):
    apps.get_model("registry", "DataSource").objects.filter(
        code__in=[c for c, _, _ in SOURCES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(add_sources, remove_sources)]
