"""Prepared reads (common.prepared): the queryset's objects with each call's values, its SQL
built once, and on PostgreSQL a statement planned once per connection."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhiyuan.accounts.models import Role
from zhiyuan.common.prepared import Param, PreparedRead

ROLES = PreparedRead(
    lambda: (
        Role.objects.filter(organization__code=Param("code"), kind=Param("kind"))
        .select_related("user", "organization")
        .only("kind", "user__username", "organization__code")
        .order_by("pk")
    )
)


def test_a_prepared_read_gives_what_its_queryset_gives(db, django_assert_num_queries) -> None:
    expected = Role.objects.get(organization__code="430602001001-TM", kind="team_leader")
    for _ in range(2):  # built once, run twice with the same values
        with django_assert_num_queries(1):
            (found,) = ROLES.objects(code="430602001001-TM", kind="team_leader")
        with django_assert_num_queries(0):  # what it selects related is there
            assert (found.pk, found.kind, found.user.username, found.organization.code) == (
                expected.pk,
                "team_leader",
                "team_leader",
                "430602001001-TM",
            )
    # only() holds: the rest is deferred
    assert "name" in found.organization.get_deferred_fields()
    assert "name" in found.user.get_deferred_fields()


def test_each_call_runs_with_its_own_values(db) -> None:
    assert ROLES.objects(code="430602002-SC", kind="team_leader") == []
    (outsider,) = ROLES.objects(code="430602002-SC", kind="administrator")
    assert outsider.user.username == "outsider"


def test_a_value_left_none_equals_nothing(db) -> None:
    assert ROLES.objects(code=None, kind="administrator") == []


def test_a_value_not_given_is_a_programming_error(db) -> None:
    with pytest.raises(KeyError):
        ROLES.objects(code="430602002-SC")


def test_the_query_log_shows_the_statement_with_its_values(db) -> None:
    with CaptureQueriesContext(connection) as queries:
        ROLES.objects(code="430602002-SC", kind="administrator")
    (query,) = queries.captured_queries
    assert "'430602002-SC'" in query["sql"] and "'administrator'" in query["sql"]


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_on_postgresql_the_statement_is_prepared_on_the_connection(db, settings) -> None:
    ROLES.objects(code="430602002-SC", kind="administrator")
    prepared = [s for s in _prepared_here() if '"accounts_role"' in s and "$1" in s]
    assert len(prepared) == 1
    ROLES.objects(code="4306-GC", kind="administrator")  # the same statement, run again
    assert len([s for s in _prepared_here() if '"accounts_role"' in s and "$1" in s]) == 1
    # Only where asked: Django's own queries stay unprepared (poolers).
    assert connection.connection.prepare_threshold is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_preparing_can_be_turned_off(db, settings) -> None:
    settings.DATABASE_PREPARED_STATEMENTS = False
    by_user = PreparedRead(lambda: Role.objects.filter(user__username=Param("name")))
    (outsider,) = by_user.objects(name="outsider")
    assert outsider.kind == "administrator"
    assert not [s for s in _prepared_here() if '"accounts_user"."username" = $1' in s]
