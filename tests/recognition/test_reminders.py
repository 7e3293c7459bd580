"""The yearly hours (issue 13 §1): the line from the city's policy, the reminder sent once per
date and only to registered volunteers below the line, the opt-out honoured."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.recognition.conftest import NAMES, this_year
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry, OutboundSms
from zhiyuan.common.periodic import registered_jobs
from zhiyuan.recognition import selectors, services
from zhiyuan.recognition.models import HourReminder


def reminder_day() -> date:
    return date(this_year(), 7, 1)


def test_the_line_is_the_policys_yearly_hours(volunteer, serve, city_policy) -> None:
    serve(volunteer, 5)
    assert selectors.yearly_line(volunteer).target_minutes == 20 * 60  # the default
    city_policy(yearly_hours=30)
    line = selectors.yearly_line(volunteer)
    assert (line.minutes, line.target_minutes, str(line.missing_hours)) == (300, 1800, "25.00")
    assert not line.reached


def test_the_reminder_goes_once_per_date_only_to_those_below(
    registrar, serve, city_policy, outbox, remind
) -> None:
    city_policy(yearly_hours=10)
    below = people.registered(registrar, name="李不足")
    reached = people.registered(registrar, name="王达标")
    applied = people.apply(registrar, name="赵申请")  # an application: not registered
    serve(below, 4)
    serve(reached, 10)
    assert remind(reminder_day()) == 1
    assert [(m.mobile, m.template) for m in outbox] == [(below.mobile, "hour_reminder")]
    assert outbox[0].params["hours"] == "4" and outbox[0].params["target"] == "10"
    assert outbox[0].params["link"].endswith("/me/hours/")
    row = HourReminder.objects.get()
    assert (row.volunteer, row.minutes, row.target_minutes) == (below, 240, 600)
    # Again the same day: nothing more.
    assert remind(reminder_day()) == 0
    assert len(outbox) == 1 and HourReminder.objects.count() == 1
    assert not HourReminder.objects.filter(volunteer__in=[reached, applied]).exists()
    entry = AuditEntry.objects.get(action="recognition.reminders.sent")
    assert entry.data == {"reminder_day": reminder_day().isoformat(), "messages": 1}


def test_no_reminder_on_a_day_the_city_did_not_set(volunteer, city_policy, outbox, remind) -> None:
    city_policy(reminder_dates=["10-01"])
    assert remind(reminder_day()) == 0
    assert remind(date(this_year(), 10, 1)) == 1
    assert [m.mobile for m in outbox] == [volunteer.mobile]


def test_the_default_dates_apply_without_a_policy(volunteer, outbox, remind) -> None:
    assert remind(date(this_year(), 3, 1)) == 0
    assert remind(reminder_day()) == 1
    assert HourReminder.objects.get().target_minutes == 20 * 60


def test_a_nearer_policy_decides_for_its_subtree(registrar, city_policy, outbox, remind) -> None:
    city_policy(reminder_dates=["07-01"])
    city_policy(code="430602001-SC", reminder_dates=["08-01"])
    street = people.registered(registrar, name="街道人")
    other = people.registered(User.objects.get(username="outsider"), people.OTHER_STREET)
    assert remind(reminder_day()) == 1
    assert [m.mobile for m in outbox] == [other.mobile]
    assert remind(date(this_year(), 8, 1)) == 1
    assert outbox[-1].mobile == street.mobile


def test_the_opt_out_is_honoured_and_can_be_undone(volunteer, outbox, remind) -> None:
    assert services.set_reminder_opt_out([volunteer], opted_out=True) == 1
    assert remind(reminder_day()) == 0
    assert outbox == []
    services.set_reminder_opt_out([volunteer], opted_out=False)
    assert remind(reminder_day()) == 1
    assert AuditEntry.objects.filter(action="recognition.reminders.opted_out").count() == 1


def test_reminders_are_queued_in_bulk_not_per_volunteer(registrar, outbox) -> None:
    for n in range(3):
        people.registered(registrar, name="批量" + NAMES[n])
    people.registered(registrar)
    with CaptureQueriesContext(connection) as few:
        services.send_hour_reminders(day=reminder_day())
    for n in range(20):
        people.registered(registrar, name="更多" + NAMES[n])
    with CaptureQueriesContext(connection) as many:
        sent = services.send_hour_reminders(day=date(this_year(), 10, 1))
    assert sent == 24
    assert OutboundSms.objects.filter(template="hour_reminder").count() == 4 + 24
    # SQLite's bulk_create splits by its variable limit; the count does not follow the people.
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


def test_the_job_is_registered() -> None:
    assert "remind_yearly_hours" in registered_jobs()


def test_below_the_line_by_unit_in_scope(
    registrar, street_admin, outsider, serve, city_policy
) -> None:
    city_policy(yearly_hours=10)
    below = people.registered(registrar, name="李不足")
    reached = people.registered(registrar, name="王达标")
    serve(reached, 10)
    found = selectors.below_line(street_admin)
    assert below in found and reached not in found
    row = found.get(pk=below.pk)
    assert (row.year_minutes, row.target_minutes) == (0, 600)  # type: ignore[attr-defined]
    units = selectors.below_by_unit(found)
    assert [u.organization.code for u in units] == ["430602001-SC"]
    assert below not in selectors.below_line(outsider)


@pytest.mark.parametrize(
    ("dates", "field"),
    [(["13-01"], "reminder_dates"), (["02-30"], "reminder_dates"), ("07-01", "reminder_dates")],
)
def test_bad_reminder_dates_are_refused(city_policy, dates, field) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        city_policy(reminder_dates=dates)
    assert field in refused.value.message_dict


def test_a_large_run_writes_in_chunks_and_sends_each_once(
    registrar, outbox, remind, monkeypatch
) -> None:
    monkeypatch.setattr(services, "REMINDER_CHUNK", 2)
    people_ = [people.registered(registrar, name="分批" + NAMES[n]) for n in range(5)]
    assert remind(reminder_day()) == 5
    assert sorted(m.mobile for m in outbox) == sorted(v.mobile for v in people_)
    assert HourReminder.objects.filter(day=reminder_day()).count() == 5
