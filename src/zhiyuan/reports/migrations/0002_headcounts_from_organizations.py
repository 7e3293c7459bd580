"""Carry each organisation's headcount, a single figure without a date until now, into the
headcount history: valid from the day the organisation was created (the earliest it can have
held). The organisations' own field is removed after this (organizations 0004)."""

from django.db import migrations
from django.utils import timezone


def copy_headcounts(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    Headcount = apps.get_model("reports", "Headcount")
    rows = [
        Headcount(
            organization_id=org.pk,
            headcount=org.headcount,
            valid_from=timezone.localdate(org.created_at),
            source="organisation record",
        )
        for org in Organization.objects.filter(headcount__isnull=False).only(
            "pk", "headcount", "created_at"
        )
    ]
    Headcount.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("organizations", "0003_credit_code")]

    operations = [migrations.RunPython(copy_headcounts, migrations.RunPython.noop)]
