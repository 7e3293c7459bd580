"""What tests/api/test_schemathesis.py needs of the anomaly flags' endpoints: a real flag its
paths name, and one successful call of each operation, as a user would make it."""

from typing import Any

from tests.anomalies.conftest import local, registered, write_record
from tests.factories import ActivityFactory
from zhiyuan.anomalies.enums import Rule
from zhiyuan.anomalies.models import Flag
from zhiyuan.anomalies.services import detect_anomalies


def overlap_flag(day: str) -> Flag:
    """A new open flag: two overlapping records of a new volunteer of 郭亮社区's team on `day`
    (YYYY-MM-DD), raised by the detection."""
    volunteer = registered(name="重叠")
    activity = ActivityFactory()
    made = [
        write_record(volunteer, activity, local(f"{day} 09:00"), 120),
        write_record(volunteer, activity, local(f"{day} 10:00"), 60),
    ]
    detect_anomalies(only=[Rule.OVERLAPPING_HOURS])
    return Flag.objects.get(record_links__record=made[1])


def anomalies_known_ids() -> dict[str, list[Any]]:
    return {"anomaly-flags": [overlap_flag("2026-02-02").pk]}


def call_anomalies_operations(call: Any) -> None:
    """The district reads the flags, one flag, downloads them, and closes one with a reason."""
    flag = overlap_flag("2026-02-03")
    call("city_admin", "GET", "/anomaly-flags/", rule="overlapping_hours", state="open")
    call("city_admin", "GET", "/anomaly-flags/{id}/", id=flag.pk)
    call("city_admin", "GET", "/anomaly-flags/export/", type="xlsx")
    call(
        "city_admin",
        "POST",
        "/anomaly-flags/{id}/close/",
        {"reason": "电话核实：重复录入"},
        id=flag.pk,
    )
