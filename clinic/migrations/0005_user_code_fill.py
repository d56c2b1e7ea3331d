# Give every existing user their own UUID code (a default on AddField would give them all
# the same one), before 0006 makes the code unique.

import uuid

from django.db import migrations


def fill_codes(apps, schema_editor):
    User = apps.get_model("clinic", "User")
    for user in User.objects.filter(code__isnull=True).only("pk").iterator(chunk_size=2000):
        User.objects.filter(pk=user.pk).update(code=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("clinic", "0004_user_code_add"),
    ]

    operations = [
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
    ]
