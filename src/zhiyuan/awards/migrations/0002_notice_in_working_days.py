"""A campaign's notice period counts working days (weekends and the configured holidays skipped,
as a star level's notice), and its last day is kept (`notice_ends`) when the shortlist is
published. A shortlist already published keeps the last day it was published with (its
`notice_days` calendar days): the public was told that day, and the notice is not moved."""

from datetime import timedelta

import django.core.validators
from django.db import migrations, models


def keep_published_ends(apps, schema_editor):
    Campaign = apps.get_model("awards", "Campaign")
    published = Campaign.objects.filter(notice_starts__isnull=False, notice_ends__isnull=True)
    for campaign in published.only("pk", "notice_starts", "notice_days"):
        campaign.notice_ends = campaign.notice_starts + timedelta(days=campaign.notice_days - 1)
        campaign.save(update_fields=["notice_ends"])


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="notice_ends",
            field=models.DateField(blank=True, null=True, verbose_name="notice until"),
        ),
        migrations.AlterField(
            model_name="campaign",
            name="notice_days",
            field=models.PositiveSmallIntegerField(
                default=7,
                validators=[
                    django.core.validators.MinValueValidator(5),
                    django.core.validators.MaxValueValidator(60),
                ],
                verbose_name="notice period in working days",
            ),
        ),
        migrations.RunPython(keep_published_ends, migrations.RunPython.noop),
    ]
