"""The counters (``Sequence``) now belong to core (``core/0002_sequence``).

The register forgets the model in Django's state only; the table
``registry_sequence`` and its rows stay where they are and core's model
reads them. The content type follows the model, so nothing that points at
it is left behind under the old label.
"""

from django.db import migrations


def content_type_to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label="core", model="sequence").exists():
        types.filter(app_label="registry", model="sequence").update(app_label="core")


def content_type_to_registry(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label="registry", model="sequence").exists():
        types.filter(app_label="core", model="sequence").update(app_label="registry")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_sequence"),
        ("registry", "0010_primary_key_defaults"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Sequence")],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_core, content_type_to_registry),
    ]
