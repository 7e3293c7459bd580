"""The same roster imported twice at once (threads, on PostgreSQL: the in-memory SQLite test
database answers "table is locked" to a second writer): no error but the refusal, and no
duplicate volunteer."""

from datetime import date

import pytest

from tests.concurrency import at_once, postgres_only
from tests.volunteers.test_roster_breaking import HEADER, csv_bytes, rows
from zhiyuan.accounts.models import User
from zhiyuan.volunteers.enums import ImportMode, ImportStatus
from zhiyuan.volunteers.imports.check import check_roster
from zhiyuan.volunteers.imports.upload import upload_roster
from zhiyuan.volunteers.imports.write import import_roster
from zhiyuan.volunteers.models import RegistrationBody, RosterImport, Volunteer

pytestmark = [pytest.mark.usefixtures("world_tx"), *postgres_only]
TODAY = date(2026, 11, 29)


def _checked(data: bytes) -> RosterImport:
    point = RegistrationBody.objects.get(organization__code="430602001-SC")
    roster_import = upload_roster(
        data,
        filename="名册.csv",
        body=point,
        organization=point.organization,
        actor=User.objects.get(username="registrar"),
        consent_affirmed=True,
        check=False,
    )
    return check_roster(roster_import, today=TODAY)


def test_one_import_committed_twice_at_once_imports_once() -> None:
    roster_import = _checked(csv_bytes(HEADER, *rows(30)))

    def commit(_index: int) -> str:
        stale = RosterImport.objects.select_related("body", "organization").get(pk=roster_import.pk)
        actor = User.objects.get(username="registrar")
        import_roster(stale, actor=actor, mode=ImportMode.VALID_ONLY, today=TODAY)
        return "imported"

    outcomes = at_once(2, commit)
    assert sorted(o if isinstance(o, str) else getattr(o, "code", repr(o)) for o in outcomes) == [
        "imported",
        "not_checked",
    ]
    roster_import.refresh_from_db()
    assert (roster_import.status, roster_import.imported_count) == (ImportStatus.IMPORTED, 30)
    assert Volunteer.objects.filter(body=roster_import.body).count() == 30


def test_the_same_file_uploaded_twice_and_imported_at_once_adds_each_person_once() -> None:
    data = csv_bytes(HEADER, *rows(30))
    first, second = _checked(data), _checked(data)

    def commit(index: int) -> int:
        roster_import = RosterImport.objects.select_related("body", "organization").get(
            pk=(first, second)[index].pk
        )
        actor = User.objects.get(username="registrar")
        done = import_roster(roster_import, actor=actor, mode=ImportMode.VALID_ONLY, today=TODAY)
        return done.imported_count

    outcomes = at_once(2, commit)
    assert sorted(outcomes) == [0, 30], outcomes
    assert Volunteer.objects.filter(body=first.body).count() == 30
