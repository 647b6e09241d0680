"""Add the ``privacy`` family (restrictions, objections) to an installed
matrix, as ``rekisteri.access.defaults`` grants it. A cell an administrator
has already decided is left alone; an empty matrix stays empty (the defaults
apply while it is)."""

from django.db import migrations

PRIVACY = {
    "sales": ["view", "change"],
    "customer_service": ["view", "change"],
    "billing": ["view"],
    "privacy_officer": ["view", "change", "export", "erase"],
}


def install(apps, schema_editor):
    Rule = apps.get_model("access", "NeedToKnowRule")
    if not Rule.objects.exists():
        return
    for role, actions in PRIVACY.items():
        for action in actions:
            Rule.objects.get_or_create(
                role=role,
                category="privacy",
                action=action,
                defaults={"allowed": True},
            )


def remove(apps, schema_editor):
    apps.get_model("access", "NeedToKnowRule").objects.filter(
        category="privacy"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0002_default_matrix")]

    operations = [migrations.RunPython(install, remove)]
