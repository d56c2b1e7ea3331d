# Give every existing programme version, phase and item its own UUID code (a default on
# AddField would give them all the same one), before 0006 makes the codes unique.

import uuid

from django.db import migrations

MODELS = ("ProgrammeVersion", "Phase", "ProgrammeItem")


def fill_codes(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("prescriptions", name)
        rows = model.objects.filter(code__isnull=True).only("pk").iterator(chunk_size=2000)
        for row in rows:
            model.objects.filter(pk=row.pk).update(code=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("prescriptions", "0004_programme_part_codes_add"),
    ]

    operations = [
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
    ]
