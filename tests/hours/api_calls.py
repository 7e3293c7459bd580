"""What tests/api/test_schemathesis.py needs of the hours endpoints: real objects their paths
name, and one successful call of each operation, as a user would make it."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.factories import ActivityFactory, SignUpFactory, SlotFactory
from tests.hours.conftest import days_ago
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.api.volunteer_auth import issue_token
from zhiyuan.hours import backfill, checkin, services
from zhiyuan.organizations.models import Organization


def hours_known_ids(registered: Callable[..., Any]) -> dict[str, list[Any]]:
    """A past slot with a signed-up volunteer, a pending record and a checked sheet."""
    registrar = User.objects.get(username="registrar")
    slot = SlotFactory(
        activity=ActivityFactory(), starts_at=days_ago(3, 9), ends_at=days_ago(3, 12)
    )
    volunteer = registered(registrar)
    SignUpFactory(slot=slot, volunteer=volunteer)
    record = services.record_hours(
        volunteer,
        activity=slot.activity,
        slot=slot,
        start=days_ago(3, 9),
        end=days_ago(3, 10),
        actor=None,
    )
    team = slot.activity.organizer
    sheet = backfill.upload_sheet(
        _sheet(slot, volunteer, 4), filename="h.csv", organization=team, actor=None
    )
    return {
        "hour-records": [record.pk],
        "hours-imports": [sheet.pk],
        "slot": [slot.pk],
        "organization": [team.pk, Organization.objects.get(code="4306-GC").pk],
    }


def _sheet(slot: Any, volunteer: Any, day: int) -> bytes:
    start = timezone.localtime(days_ago(day, 9)).strftime("%Y-%m-%d %H:%M")
    return (
        f"活动编号,注册编号,开始时间,时长（分钟）\r\n{slot.activity_id},{volunteer.registration_number},{start},30\r\n"
    ).encode()


def call_hours_operations(call: Callable[..., Any]) -> None:
    """Each hours operation once, as the city's administrator, with its 2xx answer checked."""
    registrar = User.objects.get(username="registrar")
    slot = SlotFactory(
        activity=ActivityFactory(), starts_at=days_ago(2, 9), ends_at=days_ago(2, 12)
    )
    volunteer = people.registered(registrar)
    SignUpFactory(slot=slot, volunteer=volunteer)

    def at(hour: int) -> str:
        return timezone.localtime(days_ago(2, hour)).isoformat()

    check = {
        "slot": slot.pk,
        "volunteer": volunteer.pk,
        "direction": "in",
        "idempotency_key": "k1",
        "at": at(9),
    }
    call("city_admin", "POST", "/check-ins/", check)
    call(
        "city_admin",
        "POST",
        "/check-ins/",
        {**check, "direction": "out", "idempotency_key": "k2", "at": at(10)},
    )
    call("city_admin", "GET", "/check-ins/", slot=slot.pk)
    call("city_admin", "GET", "/check-in-codes/{slot}/", slot=slot.pk)
    call("city_admin", "GET", "/slot-rosters/{slot}/", slot=slot.pk)
    entry = {
        "volunteer": volunteer.pk,
        "activity": slot.activity_id,
        "slot": slot.pk,
        "start": at(10),
        "end": at(11),
    }
    rid = call("city_admin", "POST", "/hour-records/", entry).json()["id"]
    call("city_admin", "GET", "/hour-records/")
    call("city_admin", "GET", "/hour-records/{id}/", id=rid)
    call("city_admin", "PATCH", "/hour-records/{id}/", {"content": "清扫"}, id=rid)
    call("city_admin", "POST", "/hour-records/confirm/", {"records": [rid]})
    fixed = call(
        "city_admin",
        "POST",
        "/hour-records/{id}/corrections/",
        {
            "reason": "早退",
            "end": timezone.localtime(days_ago(2, 10) + timedelta(minutes=45)).isoformat(),
        },
        id=rid,
    )
    call(
        "city_admin",
        "POST",
        "/hour-records/{id}/reject/",
        {"reason": "核实无误"},
        id=fixed.json()["id"],
    )
    call("city_admin", "GET", "/hour-records/totals/")
    team = slot.activity.organizer
    upload = {"file": _sheet(slot, volunteer, 5), "organization": team.pk}
    sheet = call(
        "city_admin", "POST", "/hours-imports/", upload, media_type="multipart/form-data"
    ).json()
    call("city_admin", "GET", "/hours-imports/")
    call("city_admin", "GET", "/hours-imports/{id}/", id=sheet["id"])
    call("city_admin", "POST", "/hours-imports/{id}/import/", id=sheet["id"])
    call(
        "city_admin",
        "PUT",
        "/hours-policies/{organization}/",
        {"rounding": "half_hour"},
        organization=team.pk,
    )
    call("city_admin", "GET", "/hours-policies/{organization}/", organization=team.pk)

    # the volunteer's own, with a volunteer token
    call.headers["hours_volunteer"] = {
        "Authorization": f"Volunteer {issue_token(volunteer.mobile_digest)}"
    }
    now = timezone.now()
    current = SlotFactory(
        activity=slot.activity, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    SignUpFactory(slot=current, volunteer=volunteer)
    code = {"code": checkin.slot_token(current), "direction": "in", "idempotency_key": "v1"}
    call("hours_volunteer", "POST", "/volunteer/check-ins/", code)
    call("hours_volunteer", "GET", "/volunteer/hours/")
    ask = {"reason": "时间有误"}
    call("hours_volunteer", "POST", "/volunteer/hours/{id}/corrections/", ask, id=rid)
