"""Fixtures of the recognition tests: registered volunteers of 岳阳楼街道, confirmed hours made
through the hours services (`serve`), and the city's policy set through the service."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.factories import ActivityFactory
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.models import Activity
from zhiyuan.hours import services as hours
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import services
from zhiyuan.recognition.models import RecognitionPolicy
from zhiyuan.volunteers.models import Volunteer

CITY = "4306-GC"
#: Names without digits (the registration rules refuse them).
NAMES = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def this_year() -> int:
    return timezone.localdate().year


@pytest.fixture
def activity(db: None) -> Activity:
    """A published activity of 郭亮社区's team (its leader: `team_leader`)."""
    return ActivityFactory()


@pytest.fixture
def volunteer(db: None) -> Volunteer:
    return people.registered(User.objects.get(username="registrar"))


@pytest.fixture
def serve(activity: Activity) -> Callable[..., list[HourRecord]]:
    """`serve(volunteer, hours, year=this year)`: confirmed records adding up to `hours`
    (whole hours, at most 12 a record, one a day from 2 January 08:00 local)."""
    used: dict[int, int] = {}

    def make(volunteer: Volunteer, hours_served: int, year: int | None = None) -> list[HourRecord]:
        year = year or this_year()
        leader = User.objects.get(username="team_leader")
        made = []
        left = hours_served
        while left > 0:
            chunk = min(12, left)
            n = used.get(volunteer.pk, 0)
            used[volunteer.pk] = n + 1
            start = timezone.make_aware(
                datetime.combine(date(year, 1, 2) + timedelta(days=n), time(8))
            )
            made.append(
                hours.record_hours(
                    volunteer,
                    activity=activity,
                    start=start,
                    end=start + timedelta(hours=chunk),
                    actor=leader,
                )
            )
            left -= chunk
        return hours.confirm_records(made, actor=leader)

    return make


@pytest.fixture
def city_policy(db: None) -> Callable[..., RecognitionPolicy]:
    """`city_policy(**values)`: the city's policy set by its administrator."""

    def make(code: str = CITY, **values: object) -> RecognitionPolicy:
        options: dict[str, object] = {
            "yearly_hours": 20,
            "reminder_dates": ["07-01", "10-01"],
            "star_hours": [2, 4, 6, 8, 10],
            "notice_working_days": 5,
        }
        options.update(values)
        return services.set_policy(
            Organization.objects.get(code=code),
            actor=User.objects.get(username="city_admin"),
            **options,  # type: ignore[arg-type]
        )

    return make


@pytest.fixture
def remind(django_capture_on_commit_callbacks: Callable[..., object]) -> Callable[[date], int]:
    """`remind(day)`: the reminder run of `day`, its SMS delivered as when it commits."""

    def run(day: date) -> int:
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
            return services.send_hour_reminders(day=day)

    return run
