import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import translation

from zhiyuan.accounts.models import Role, User, mobile_digest
from zhiyuan.activities import services as activities
from zhiyuan.activities.models import Activity
from zhiyuan.anomalies.services import detect_anomalies
from zhiyuan.common.models import OutboundSms
from zhiyuan.demo.city import DEMO_PASSWORD, DEMO_VOLUNTEER_MOBILE, POPULATION
from zhiyuan.demo.clock import replaying
from zhiyuan.demo.models import DatabaseMark
from zhiyuan.demo.year import Summary, load_demo_year, summary
from zhiyuan.divisions.models import Division
from zhiyuan.hours import checkin
from zhiyuan.hours import selectors as hours
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition import selectors as recognition
from zhiyuan.reports import attachment6, attachment7
from zhiyuan.volunteers.models import RegistrationBody, Volunteer
from zhiyuan.volunteers.selectors import registered_volunteers

#: The demo as loaded that morning, whatever day the test runs: its year (`demo.year`) is the
#: twelve months before it, and the figures of a calendar year are those of that day.
LOADED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
#: What the year holds with its seed (the same on any day it is loaded).
YEAR = Summary(
    activities={"finished": 46, "published": 4, "cancelled": 1},
    signups={"confirmed": 486, "pending": 6, "waitlisted": 1, "cancelled": 13},
    records={"confirmed": 390, "pending": 28, "rejected": 1},
    corrections=2,
    counted_minutes=62_496,
    volunteers=102,
)


@pytest.mark.slow  # the real city's 2,049 divisions and their organisations, a year: seconds
def test_demo_city_is_the_real_yueyang(
    empty_db_tx: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first load stopped by a Ctrl-C before its year (as `make run`'s first start can be):
    # the next `--if-empty` finishes it rather than serving half a demo.
    def ctrl_c() -> bool:
        raise KeyboardInterrupt

    with replaying(LOADED_AT), monkeypatch.context() as patched:
        patched.setattr("zhiyuan.demo.city.load_demo_year", ctrl_c)
        with pytest.raises(KeyboardInterrupt):
            call_command("load_demo", if_empty=True)
    assert DatabaseMark.objects.get().completed_at is None
    assert not Activity.objects.exists()
    capsys.readouterr()
    with replaying(LOADED_AT):
        call_command("load_demo", if_empty=True)
    completed = DatabaseMark.objects.get().completed_at
    assert completed is not None and completed > LOADED_AT  # the replayed clock ran on
    assert [Division.objects.filter(level=n).count() for n in (2, 3, 4, 5)] == [1, 10, 138, 1899]
    assert Organization.objects.filter(kind="service_station").count() == 1899
    area = Organization.objects.get(code="YYETDZ-GC")
    assert area.is_management_area
    assert sorted(area.jurisdiction.values_list("code", flat=True)) == [
        "430602402000",
        "430602406000",
        "430602407000",
    ]
    street_admin = User.objects.get(username="street_admin")
    assert street_admin.check_password(DEMO_PASSWORD)
    assert Role.objects.get(user=street_admin).organization.name == "岳阳楼街道志愿服务中心"
    out = capsys.readouterr().out
    assert "The demo's last load did not finish; loading the rest." in out
    assert "street_admin" in out and DEMO_PASSWORD in out
    assert "51 activities (4 open for sign-up), 506 sign-ups, 419 service records" in out
    call_command("load_demo", if_empty=True)
    assert "the demo was not loaded again" in capsys.readouterr().out
    assert summary() == YEAR
    assert load_demo_year() is False  # once activities exist, nothing more
    assert summary() == YEAR
    # The standard structure, the management area's three, the population's nine work units.
    assert Organization.objects.count() == 4107 + 3 + 9
    # Bodies, a delegation and a ledger in every state; only confirmed people count.
    assert RegistrationBody.objects.get(organization__code="430602001-SC").code.startswith("4306")
    by_hand = Volunteer.objects.exclude(channel="synthetic")
    statuses = dict(by_hand.values_list("status").annotate(n=Count("pk")))
    assert statuses == {"active": 13, "applied": 3, "suspended": 1, "cancelled": 1}
    assert registered_volunteers(by_hand).count() == 13
    numbers = list(
        by_hand.exclude(registration_number=None).values_list("registration_number", flat=True)
    )
    assert len(set(numbers)) == len(numbers) == 15
    # The demo's synthetic population of 岳阳楼区 (demo.population), in a database marked as a demo.
    assert list(DatabaseMark.objects.values_list("kind", flat=True)) == ["demo"]
    synthetic = Volunteer.objects.filter(channel="synthetic")
    assert registered_volunteers(synthetic).count() == POPULATION == 4_000
    assert synthetic.filter(status="applied").count() == 200
    assert set(synthetic.values_list("home_division__code", flat=True).distinct()) <= set(
        Division.objects.filter(code__startswith="430602", level=5).values_list("code", flat=True)
    )
    _the_year_of_service_has_real_shapes()
    _the_chains_and_tallies_hold()
    _no_anomaly_is_flagged()
    _the_portal_volunteer_signs_up_and_checks_in()


def _the_year_of_service_has_real_shapes() -> None:
    """The year (`demo.year`) as each page shows it: the hours ledger and the yearly line, the
    star candidates, Attachments 6 and 7, 陈小满's /me/hours/."""
    assert summary() == YEAR
    corrections = HourRecord.objects.filter(corrects__isnull=False)
    assert sorted(
        corrections.values_list("volunteer__name", "status", "requested_by_volunteer")
    ) == [
        ("张伟", "confirmed", False),
        ("陈小满", "pending", True),
    ]
    pending = HourRecord.objects.filter(status="pending", corrects__isnull=True)
    assert dict(pending.values_list("organizer__code").annotate(n=Count("pk"))) == {
        "430602001001-TM": 17,
        "430602002007-ST": 10,
    }
    # This calendar year: 11 volunteers past the 20 hours, 90 below; the two stalwarts past the
    # first star's 100 hours, the only candidates.
    year = recognition.year_minutes_by_volunteer(2026)
    assert (sum(m >= 20 * 60 for m in year.values()), sum(m < 20 * 60 for m in year.values())) == (
        11,
        90,
    )
    candidates = recognition.eligible(User.objects.get(username="city_admin"))
    assert [(c.volunteer.name, c.next_level, c.total_minutes) for c in candidates] == [
        ("李建国", 1, 6707),
        ("陈小满", 1, 6722),
    ]
    chen = Volunteer.objects.get(mobile_digest=mobile_digest(DEMO_VOLUNTEER_MOBILE))
    mine = hours.records_of_volunteers(chen.mobile_digest)
    assert hours.years_of(mine) == [2026, 2025]
    assert [hours.yearly_progress(mine, y).minutes for y in (2026, 2025)] == [6556, 166]
    # Activities and counted minutes of 2026 up to the day, per station and per team.
    root, day = Organization.objects.get(code="430602-GC"), date(2026, 11, 20)
    stations = attachment6.stations(root, day)
    assert _year_columns(stations.top.all_lines()) == {
        "430602001001-ST": (23, 30005),
        "430602001004-ST": (5, 9695),
        "430602001011-ST": (4, 6018),
        "430602002002-ST": (3, 4319),
        "430602002007-ST": (6, 4418),
    }
    teams = attachment7.teams(root, day)
    assert _year_columns(teams.top.all_lines()) == {
        "430602001-TM": (4, 6098),
        "430602001001-TM": (14, 18268),
        "430602002007-TM": (3, 2100),
    }


def _year_columns(lines: object) -> dict[str, tuple[int, int]]:
    return {
        line.organization.code: (line.activities, line.minutes)
        for line in lines  # type: ignore[attr-defined]
        if line.activities or line.minutes
    }


def _the_chains_and_tallies_hold() -> None:
    out = io.StringIO()
    with translation.override("en"):
        call_command("verify_hours", stdout=out)
    assert out.getvalue().strip() == "All chains hold: 8 organiser(s), 390 confirmed record(s)."
    # The year's texts are its past: every one sent (none left for the worker), none keeps its
    # parameters.
    texts = OutboundSms.objects.filter(template="hours_recorded")
    assert texts.count() == texts.filter(params="").exclude(sent_at=None).count() > 300
    assert not OutboundSms.objects.filter(sent_at=None).exists()


def _no_anomaly_is_flagged() -> None:
    """The demo's ordinary year looks like one: no rule flags it (before registration, overlaps,
    long days, identical entries, the leader's own hours)."""
    with replaying(LOADED_AT + timedelta(hours=1)):
        found = detect_anomalies()
    assert sum(found.found.values()) == 0


def _the_portal_volunteer_signs_up_and_checks_in() -> None:
    """陈小满 (the README's volunteer log-in) finds 郭亮社区's health day starting within the
    hour, signs up and checks in by its QR code."""
    chen = Volunteer.objects.get(mobile_digest=mobile_digest(DEMO_VOLUNTEER_MOBILE))
    health = Activity.objects.get(status="published", organizer__code="430602001001-ST")
    slot = health.slots.get()
    assert slot.starts_at == LOADED_AT + timedelta(minutes=30)
    with replaying(LOADED_AT + timedelta(minutes=5)):
        signup = activities.sign_up(slot, chen)
        assert signup.status == "confirmed"
        checkin.check_token(checkin.slot_token(slot), slot)
        assert checkin.check_in_signed_up(signup).created
