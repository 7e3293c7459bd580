"""Generations: the counters in the database that tell every process that data it keeps has
changed (`zhiyuan.common.generations`), and what a process keeps by them."""

from typing import Any

import pytest
from django.db import transaction

from tests.processes import as_process
from zhiyuan.common import generations
from zhiyuan.common.audit import log_action
from zhiyuan.common.models import Generation
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Delegation, RegistrationBody

pytestmark = pytest.mark.django_db


def counters(*names: str) -> tuple[int, ...]:
    return generations.current(names)


def test_a_name_never_bumped_counts_zero(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert generations.current(["never", "bumped"]) == (0, 0)


def test_bumps_count_once_per_transaction_when_it_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = counters("a", "b", "c")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        generations.bump("a")
        generations.bump("a", "b")
        generations.bump("b")
        assert counters("a", "b", "c") == before  # nothing before the commit
        assert generations.pending_names() == {"a", "b"}
    assert len(callbacks) == 1
    assert counters("a", "b", "c") == (before[0] + 1, before[1] + 1, before[2])
    assert generations.pending_names() == frozenset()


def test_a_bump_in_a_rolled_back_savepoint_counts_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = counters("kept", "rolled-back")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            generations.bump("rolled-back")
            raise RuntimeError
        assert generations.pending_names() == frozenset()
        generations.bump("kept")
    assert len(callbacks) == 1
    assert counters("kept", "rolled-back") == (before[0] + 1, before[1])


def test_a_bump_after_the_commit_counts_again(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        generations.bump("again")
    with django_capture_on_commit_callbacks(execute=True):
        generations.bump("again")
    assert counters("again") == (2,)


@pytest.mark.django_db(transaction=True)
def test_a_bump_outside_a_transaction_counts_at_once() -> None:
    generations.bump("now")
    generations.bump("now")
    assert Generation.objects.get(name="now").value == 2


def test_saving_or_deleting_a_model_with_a_generation_bumps_it(
    org: Any, body: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = counters(Organization.GENERATION, RegistrationBody.GENERATION, Division.GENERATION)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        station = org("430602001001-ST")
        station.name = "郭亮社区服务站"
        station.save(update_fields=["name"])
        Delegation.objects.get(body=body("430602001-SC")).delete()
        log_action(None, "test.logged", station)  # AuditEntry has no generation
    assert len(callbacks) == 1
    assert counters(Organization.GENERATION, RegistrationBody.GENERATION, Division.GENERATION) == (
        before[0] + 1,
        before[1] + 1,
        before[2],
    )


def test_a_change_of_jurisdiction_bumps_organisations_and_divisions(
    org: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = counters(Organization.GENERATION, Division.GENERATION)
    with django_capture_on_commit_callbacks(execute=True):
        org("430602001001-ST").jurisdiction.add(Division.objects.get(code="430602002001"))
    assert counters(Organization.GENERATION, Division.GENERATION) == (
        before[0] + 1,
        before[1] + 1,
    )


def test_models_without_a_generation_get_no_receivers() -> None:
    """A receiver on every model would cost every bulk delete Django's fast path."""
    from django.db.models.signals import post_delete

    from zhiyuan.common.models import AuditEntry

    assert post_delete.has_listeners(Delegation)
    assert not post_delete.has_listeners(AuditEntry)


# --- what a process keeps ------------------------------------------------------------------


class Builds:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


def test_a_kept_value_is_read_with_one_query_until_its_generation_moves(
    django_assert_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    build = Builds()
    first = generations.cached("k", ["x"], build)
    with django_assert_num_queries(1):
        assert generations.cached("k", ["x"], build) is first
    with django_capture_on_commit_callbacks(execute=True):
        generations.bump("x")
    again = generations.cached("k", ["x"], build)
    assert (first.value, again.value, build.count) == (1, 2, 2)
    assert generations.cached("k", ["x"], build) is again


def test_another_processs_bump_reaches_this_process(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Two processes each keep the value; one bumps (its service's transaction commits): the
    other builds it again though nothing told it but the counter in the database."""
    this, other = generations.LocalStore(), generations.LocalStore()
    build = Builds()
    with as_process(this):
        assert generations.cached("k", ["x"], build).value == 1
    with as_process(other):
        assert generations.cached("k", ["x"], build).value == 2
        with django_capture_on_commit_callbacks(execute=True):
            generations.bump("x")
    with as_process(this):
        assert generations.cached("k", ["x"], build).value == 3
        assert generations.cached("k", ["x"], build).value == 3
    assert list(this.snapshots) == ["k"]


def test_nothing_is_kept_while_the_transaction_holds_an_unbumped_change() -> None:
    """What a transaction reads of its own uncommitted change may be rolled back: built for
    it, kept for nobody, while the counter has not moved."""
    build = Builds()
    generations.cached("k", ["x"], build)
    generations.bump("x")  # pending: the test's transaction never commits
    assert generations.cached("k", ["x"], build).value == 2
    assert generations.cached("k", ["x"], build).value == 3
    assert generations.local.snapshots["k"].value == 1
    assert generations.cached("other", ["y"], build) is generations.cached("other", ["y"], build)


def test_a_kept_value_is_built_again_after_its_age(monkeypatch: pytest.MonkeyPatch) -> None:
    build = Builds()
    first = generations.cached("k", ["x"], build, max_age=60)
    monkeypatch.setattr(generations.time, "monotonic", lambda: first.built_at + 61)
    assert generations.cached("k", ["x"], build, max_age=60).value == 2


def test_derived_values_live_and_die_with_their_snapshot(
    django_capture_on_commit_callbacks: Any,
) -> None:
    build = Builds()
    snapshot = generations.cached("k", ["x"], build)
    assert snapshot.derived(("page", "en"), lambda: f"en {snapshot.value}") == "en 1"
    assert snapshot.derived(("page", "en"), lambda: "not built again") == "en 1"
    assert snapshot.derived(("page", "zh-hans"), lambda: f"zh {snapshot.value}") == "zh 1"
    with django_capture_on_commit_callbacks(execute=True):
        generations.bump("x")
    fresh = generations.cached("k", ["x"], build)
    assert fresh.derived(("page", "en"), lambda: f"en {fresh.value}") == "en 2"
