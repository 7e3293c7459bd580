"""The demo's completion time (`DatabaseMark.completed_at`); demos loaded before it are taken as
complete, as they were when they were marked."""

from typing import Any

from django.db import migrations, models
from django.db.models import F


def complete_earlier_demos(apps: Any, schema_editor: Any) -> None:
    marks = apps.get_model("demo", "DatabaseMark")
    marks.objects.filter(kind="demo").update(completed_at=F("marked_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("demo", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="databasemark",
            name="completed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="completed"),
        ),
        migrations.RunPython(complete_earlier_demos, migrations.RunPython.noop),
    ]
