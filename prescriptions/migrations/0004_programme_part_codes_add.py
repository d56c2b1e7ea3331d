# Programme versions, phases and items get a UUID code (issue 6: objects in URLs by UUID,
# not by sequential id). Nullable first; 0005 fills it row by row, 0006 makes it unique.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("prescriptions", "0003_outcome_measures_screening"),
    ]

    operations = [
        migrations.AddField(
            model_name="programmeversion",
            name="code",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="phase",
            name="code",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="programmeitem",
            name="code",
            field=models.UUIDField(editable=False, null=True),
        ),
    ]
