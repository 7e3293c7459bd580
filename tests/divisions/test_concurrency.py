"""Division imports running at the same time (PostgreSQL)."""

from tests.concurrency import at_once, postgres_only
from tests.conftest import MINI_DIVISIONS
from zhiyuan.divisions.importer import import_divisions
from zhiyuan.divisions.models import Division

pytestmark = postgres_only


def test_one_file_imported_twice_at_once_is_imported_once(empty_db_tx: None) -> None:
    outcomes = at_once(4, lambda _: import_divisions(MINI_DIVISIONS, year=2023).created_count)
    assert sorted(outcomes) == [0, 0, 0, 16]
    assert Division.objects.count() == 16
