"""Fixtures of the anomaly tests: a clean ledger on which no rule fires, and `plant`, which adds
one case of a rule to it.

`clean`: three volunteers of 岳阳楼街道 (registered by `registrar`, each with their own mobile,
registered on 2020-01-01), each with two records of 郭亮社区's team's activity on separate days
in March 2026 (3 hours each), entered by `team_leader` and confirmed by `street_admin` (a second
person), and one check-in inside the geofence.
"""

import copy
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import kept_for_the_module
from tests.factories import ActivityFactory, SlotFactory
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.models import Activity
from zhiyuan.hours import services as hours_services
from zhiyuan.hours.enums import HourFlag, HourSource
from zhiyuan.hours.models import Attendance, HourRecord
from zhiyuan.volunteers.models import Volunteer

REGISTERED_ON = date(2020, 1, 1)


def local(text: str) -> datetime:
    """ "2026-03-01 09:00" in Asia/Shanghai as an aware instant."""
    return timezone.make_aware(datetime.fromisoformat(text))


def user(name: str) -> User:
    return User.objects.get(username=name)


def registered(**options: Any) -> Volunteer:
    """A volunteer registered by `registrar` at 岳阳楼街道's centre, dated 2020-01-01."""
    volunteer = people.registered(user("registrar"), **options)
    Volunteer.objects.filter(pk=volunteer.pk).update(registered_on=REGISTERED_ON)
    volunteer.refresh_from_db()
    return volunteer


def write_record(
    volunteer: Volunteer,
    activity: Activity,
    start: datetime,
    minutes: int,
    *,
    recorder: str | None = "team_leader",
    source: str = HourSource.LEADER,
) -> HourRecord:
    """A pending record written straight into the ledger, as a direct write or an import around
    the services would (no overlap check): what the rules must catch."""
    return HourRecord.objects.create(
        volunteer=volunteer,
        activity=activity,
        organizer=activity.organizer,
        start=start,
        end=start + timedelta(minutes=minutes),
        actual_minutes=minutes,
        minutes=minutes,
        rounding="exact",
        source=source,
        recorded_by=user(recorder) if recorder else None,
    )


def entered(volunteer: Volunteer, activity: Activity, start: datetime, minutes: int = 180) -> Any:
    """A record entered by `team_leader` through the service and confirmed by `street_admin`."""
    record = hours_services.record_hours(
        volunteer,
        activity=activity,
        start=start,
        end=start + timedelta(minutes=minutes),
        actor=user("team_leader"),
    )
    return hours_services.confirm_records([record], actor=user("street_admin"))[0]


class Clean:
    def __init__(self) -> None:
        self.activity = ActivityFactory()
        self.volunteers = [registered(name=name) for name in ("李清", "王白", "赵明")]
        self.records = []
        for n, volunteer in enumerate(self.volunteers):
            for day in (2, 9):
                start = local(f"2026-03-{day + n:02d} 09:00")
                self.records.append(entered(volunteer, self.activity, start))
        slot = SlotFactory(
            activity=self.activity,
            starts_at=local("2026-03-20 09:00"),
            ends_at=local("2026-03-20 12:00"),
        )
        record = entered(self.volunteers[0], self.activity, local("2026-03-20 09:00"))
        Attendance.objects.create(
            slot=slot,
            volunteer=self.volunteers[0],
            checked_in_at=local("2026-03-20 09:00"),
            checked_out_at=local("2026-03-20 12:00"),
            distance_m=40,
            record=record,
        )
        self.records.append(record)


@pytest.fixture(scope="module")
def _clean(request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any) -> Any:
    """`Clean`, written once for all the tests of a module (every one of them asks for it)."""
    with kept_for_the_module(request, django_db_blocker, "clean"):
        yield Clean()


@pytest.fixture
def clean(_clean: Clean, db: None) -> Clean:
    return copy.deepcopy(_clean)


def confirmed_by_recorder(record: HourRecord, name: str = "team_leader") -> HourRecord:
    return hours_services.confirm_records([record], actor=user(name))[0]


@pytest.fixture
def outside_checkin(clean: Clean) -> Callable[[], HourRecord]:
    def make() -> HourRecord:
        slot = SlotFactory(
            activity=clean.activity,
            starts_at=local("2026-03-21 09:00"),
            ends_at=local("2026-03-21 12:00"),
        )
        record = write_record(clean.volunteers[1], clean.activity, local("2026-03-21 09:00"), 180)
        Attendance.objects.create(
            slot=slot,
            volunteer=clean.volunteers[1],
            checked_in_at=local("2026-03-21 09:00"),
            checked_out_at=local("2026-03-21 12:00"),
            distance_m=2400,
            flags=[HourFlag.OUTSIDE_GEOFENCE],
            in_by=user("team_leader"),
            record=record,
        )
        return record

    return make
