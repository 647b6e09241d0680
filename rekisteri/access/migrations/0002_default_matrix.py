"""Install the default need-to-know matrix (a snapshot: later changes to
``rekisteri.access.defaults`` do not rewrite an installed matrix)."""

from django.db import migrations

REGISTER = [
    "name",
    "identifiers",
    "contact_email",
    "phone",
    "address",
    "workplace",
    "preferences",
]
DEFAULTS = {
    "sales": {
        "view": REGISTER + ["communication"],
        "change": REGISTER + ["communication"],
    },
    "customer_service": {
        "view": REGISTER + ["communication"],
        "change": REGISTER + ["communication"],
    },
    "billing": {
        "view": REGISTER + ["financial"],
        "change": ["name", "contact_email", "phone", "address", "preferences"]
        + ["workplace", "financial"],
    },
    "privacy_officer": {
        "view": REGISTER + ["financial", "communication", "account"],
        "change": REGISTER,
        "export": REGISTER + ["financial", "communication"],
        "erase": REGISTER + ["communication"],
    },
    "administrator": {"view": ["account"], "change": ["account"]},
    "auditor": {"view": ["account"]},
}


def install(apps, schema_editor):
    Rule = apps.get_model("access", "NeedToKnowRule")
    Rule.objects.bulk_create(
        Rule(role=role, category=family, action=action, allowed=True)
        for role, by_action in DEFAULTS.items()
        for action, allowed in by_action.items()
        for family in allowed
    )


def remove(apps, schema_editor):
    apps.get_model("access", "NeedToKnowRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
