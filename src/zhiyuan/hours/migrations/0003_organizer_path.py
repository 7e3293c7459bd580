"""Copy the organiser's tree path onto each service record and index it with the start
(access.ScopePathField): a subtree's records for a period are an index range. Moves in the
tree rewrite the copy, so the triggers that lock confirmed records now let that one column
change and nothing else (the copy is not part of a record's hash)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import zhiyuan.organizations.access

# Every column of hours_hourrecord but organizer_path: SQLite's trigger fires when an UPDATE
# sets one of them (a column added later must be added here too).
LOCKED_COLUMNS = (
    "id", "volunteer_id", "activity_id", "slot_id", "organizer_id", "start", '"end"',
    "actual_minutes", "minutes", "rounding", "content", "source", "flags", "recorded_by_id",
    "recorded_at", "status", "decided_by_id", "decided_at", "rejection_reason", "corrects_id",
    "correction_reason", "requested_by_volunteer", "hours_import_id", "chain_position",
    "previous_hash", "record_hash",
)

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION hours_refuse_confirmed_change() RETURNS trigger AS $$
    DECLARE
        kept hours_hourrecord;
    BEGIN
        IF OLD.status = 'confirmed' THEN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'service record % is confirmed: it is never deleted', OLD.id
                    USING ERRCODE = 'restrict_violation';
            END IF;
            kept := NEW;
            kept.organizer_path := OLD.organizer_path;
            IF kept IS DISTINCT FROM OLD THEN
                RAISE EXCEPTION 'service record % is confirmed: it is never changed', OLD.id
                    USING ERRCODE = 'restrict_violation';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """
]
SQLITE = [
    "DROP TRIGGER IF EXISTS hours_hourrecord_confirmed_locked",
    f"""
    CREATE TRIGGER hours_hourrecord_confirmed_locked
    BEFORE UPDATE OF {", ".join(LOCKED_COLUMNS)} ON hours_hourrecord
    FOR EACH ROW WHEN OLD.status = 'confirmed'
    BEGIN
        SELECT RAISE(ABORT, 'service record is confirmed: it is never changed');
    END
    """,
]


def replace_triggers(apps, schema_editor):
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, None)


def fill_paths(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    HourRecord = apps.get_model("hours", "HourRecord")
    HourRecord.objects.update(
        organizer_path=Subquery(
            Organization.objects.filter(pk=OuterRef("organizer_id")).values("path")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("hours", "0002_ledger_triggers")]

    operations = [
        migrations.AddField(
            model_name="hourrecord",
            name="organizer_path",
            field=zhiyuan.organizations.access.ScopePathField(source="organizer"),
        ),
        migrations.RunPython(replace_triggers, migrations.RunPython.noop),
        migrations.RunPython(fill_paths, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="hourrecord",
            index=models.Index(fields=["organizer_path", "start"], name="hour_record_scope_start"),
        ),
    ]
