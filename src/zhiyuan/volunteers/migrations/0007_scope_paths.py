"""Copy the two tree paths a registration is reached by onto its row and index them
(access.ScopePathField): a street's ledger then reads the street's rows, not the city's.
The copies of the registrations already there are filled before the indexes are built."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import zhiyuan.organizations.access


def fill_paths(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    RegistrationBody = apps.get_model("volunteers", "RegistrationBody")
    Volunteer = apps.get_model("volunteers", "Volunteer")
    Volunteer.objects.update(
        organization_path=Subquery(
            Organization.objects.filter(pk=OuterRef("organization_id")).values("path")[:1]
        ),
        body_organization_path=Subquery(
            RegistrationBody.objects.filter(pk=OuterRef("body_id")).values("organization__path")[:1]
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0003_credit_code"),
        ("volunteers", "0006_roster_import_error_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="volunteer",
            name="organization_path",
            field=zhiyuan.organizations.access.ScopePathField(source="organization"),
        ),
        migrations.AddField(
            model_name="volunteer",
            name="body_organization_path",
            field=zhiyuan.organizations.access.ScopePathField(source="body__organization"),
        ),
        migrations.RunPython(fill_paths, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(fields=["organization_path"], name="volunteer_organization_path"),
        ),
        migrations.AddIndex(
            model_name="volunteer",
            index=models.Index(fields=["body_organization_path"], name="volunteer_body_path"),
        ),
    ]
