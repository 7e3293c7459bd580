"""The database refuses to change a confirmed service record, whoever asks (an UPDATE from a
shell or a script included): the ledger is append-only once confirmed. PostgreSQL also refuses
to DELETE one (TRUNCATE, which flushes a test database, fires no row trigger). SQLite gets the
UPDATE trigger only: Django flushes an SQLite database with DELETE, which a DELETE trigger
would stop; there the models' guard and the foreign keys' PROTECT keep deletions out."""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION hours_refuse_confirmed_change() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'confirmed' THEN
            RAISE EXCEPTION 'service record % is confirmed: it is never changed or deleted', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER hours_hourrecord_confirmed_locked
    BEFORE UPDATE OR DELETE ON hours_hourrecord
    FOR EACH ROW EXECUTE FUNCTION hours_refuse_confirmed_change()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS hours_hourrecord_confirmed_locked ON hours_hourrecord",
    "DROP FUNCTION IF EXISTS hours_refuse_confirmed_change()",
]
SQLITE = [
    """
    CREATE TRIGGER hours_hourrecord_confirmed_locked
    BEFORE UPDATE ON hours_hourrecord
    FOR EACH ROW WHEN OLD.status = 'confirmed'
    BEGIN
        SELECT RAISE(ABORT, 'service record is confirmed: it is never changed');
    END
    """
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS hours_hourrecord_confirmed_locked"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("hours", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
