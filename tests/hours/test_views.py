"""The hours pages: the leader's roster (check in and out, enter, confirm in bulk, no-shows),
the QR code, a record's page, the office's hours of its subtree with its exports, back-filled
sheets, the rounding rule; and the volunteer's check-in and "my records" on the portal."""

import io
import shutil
import subprocess
import time
from datetime import timedelta
from unittest import mock

import openpyxl
import pytest
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import ActivityFactory, SignUpFactory, SlotFactory
from tests.hours.conftest import days_ago
from tests.hours.test_backfill import xlsx
from tests.volunteers import people
from zhiyuan.hours import checkin, services
from zhiyuan.hours.enums import HourStatus, Rounding
from zhiyuan.hours.models import Attendance, HourRecord
from zhiyuan.organizations.models import Organization


@pytest.fixture
def slot(activity):
    now = timezone.now().replace(microsecond=0)
    return SlotFactory(
        activity=activity, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )


@pytest.fixture
def signed_up(slot, volunteer):
    SignUpFactory(slot=slot, volunteer=volunteer)
    return volunteer


def portal_client(volunteer) -> Client:
    """A client whose portal session is the volunteer's (as after the SMS log-in)."""
    client = Client()
    state = client.session
    state["volunteers.me"] = {"digest": volunteer.mobile_digest, "at": time.time()}
    state.save()
    return client


def confirmed_record(volunteer, activity, leader, day: int = 2, hours: int = 2) -> HourRecord:
    made = services.record_hours(
        volunteer,
        activity=activity,
        start=days_ago(day, 9),
        end=days_ago(day, 9 + hours),
        actor=leader,
    )
    return services.confirm_records([made], actor=leader)[0]


# --- the roster -----------------------------------------------------------------------------


def test_the_leader_checks_a_volunteer_in_and_out_from_the_roster(
    login, team_leader, slot, signed_up
) -> None:
    client = login(team_leader)
    page = client.get(f"/hours/slots/{slot.pk}/")
    assert page.status_code == 200
    assert signed_up.name in page.content.decode()
    form = {"volunteer": signed_up.pk, "direction": "in", "key": "roster-1"}
    assert client.post(f"/hours/slots/{slot.pk}/check/", form).status_code == 302
    assert client.post(f"/hours/slots/{slot.pk}/check/", form).status_code == 302  # sent twice
    assert Attendance.objects.filter(volunteer=signed_up).count() == 1
    Attendance.objects.update(
        checked_in_at=timezone.now().replace(microsecond=0) - timedelta(minutes=50)
    )
    client.post(
        f"/hours/slots/{slot.pk}/check/",
        {"volunteer": signed_up.pk, "direction": "out", "key": "roster-2"},
    )
    record = HourRecord.objects.get()
    assert (record.minutes, record.status) == (50, HourStatus.PENDING)
    page = client.get(f"/hours/slots/{slot.pk}/").content.decode()
    assert "0.83" in page


def test_the_roster_confirms_in_bulk_and_shows_no_shows(
    login, team_leader, activity, registrar
) -> None:
    past = SlotFactory(activity=activity, starts_at=days_ago(3, 9), ends_at=days_ago(3, 12))
    came, stayed_away = (
        people.registered(registrar, name="来了"),
        people.registered(registrar, name="没来"),
    )
    for person in (came, stayed_away):
        SignUpFactory(slot=past, volunteer=person)
    client = login(team_leader)
    response = client.post(
        f"/hours/slots/{past.pk}/records/",
        {"volunteer": came.pk, "start": "", "end": "", "content": ""},
    )
    assert response.status_code == 400
    local = timezone.localtime
    response = client.post(
        f"/hours/slots/{past.pk}/records/",
        {
            "volunteer": came.pk,
            "start": local(past.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "end": local(past.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "content": "布置场地",
        },
    )
    assert response.status_code == 302
    record = HourRecord.objects.get()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/hours/slots/{past.pk}/").content.decode()
    assert "1 volunteer signed up and did not come." in page
    assert page.count("No-show") == 1 and "没来" in page
    client.post("/hours/confirm/", {"record": [record.pk], "next": f"/hours/slots/{past.pk}/"})
    assert HourRecord.objects.get().status == HourStatus.CONFIRMED


def test_other_areas_see_no_roster_and_change_nothing(login, outsider, slot, signed_up) -> None:
    client = login(outsider)
    assert client.get(f"/hours/slots/{slot.pk}/").status_code == 404
    assert client.get(f"/hours/slots/{slot.pk}/qr/").status_code == 404
    assert client.get(f"/hours/slots/{slot.pk}/qr.svg").status_code == 404
    response = client.post(
        f"/hours/slots/{slot.pk}/check/", {"volunteer": signed_up.pk, "direction": "in"}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()
    assert slot.activity.title not in client.get("/hours/slots/").content.decode()


def test_the_qr_image_carries_the_portal_url_with_the_current_token(
    login, team_leader, slot
) -> None:
    client = login(team_leader)
    now = 1_800_000_010.0
    with mock.patch("zhiyuan.hours.checkin.time.time", return_value=now):
        response = client.get(f"/hours/slots/{slot.pk}/qr.svg")
        token = checkin.slot_token(slot)
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-Code-Seconds-Left"] == "20"
    url = f"http://testserver/checkin/{token}/"
    expected = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    assert response.content.decode() == expected.to_string(encoding="unicode")
    page = client.get(f"/hours/slots/{slot.pk}/qr/").content.decode()
    assert f'src="/hours/slots/{slot.pk}/qr.svg"' in page and 'data-refresh="30"' in page


# --- the volunteer's check-in ---------------------------------------------------------------


def test_a_volunteer_scans_logs_in_and_checks_in_and_out(client, slot, signed_up) -> None:
    token = checkin.slot_token(slot)
    response = client.get(f"/checkin/{token}/")
    assert (response.status_code, response["Location"]) == (302, "/checkin/")
    page = client.get("/checkin/")
    assert page.status_code == 200 and 'action="/me/login/"' in page.content.decode()
    assert client.session["volunteers.me.after-login"] == "public:checkin"
    state = client.session
    state["volunteers.me"] = {"digest": signed_up.mobile_digest, "at": time.time()}
    state.save()
    page = client.get("/checkin/").content.decode()
    assert 'value="in"' in page
    assert client.post("/checkin/", {"direction": "in", "key": "k-1"}).status_code == 302
    assert client.post("/checkin/", {"direction": "in", "key": "k-1"}).status_code == 302
    assert Attendance.objects.filter(volunteer=signed_up).count() == 1
    assert 'value="out"' in client.get("/checkin/").content.decode()


def test_the_log_in_returns_to_the_check_in_page(
    client, slot, signed_up, outbox, django_capture_on_commit_callbacks
) -> None:
    client.get(f"/checkin/{checkin.slot_token(slot)}/")
    client.get("/checkin/")
    with django_capture_on_commit_callbacks(execute=True):
        step = client.post("/me/login/", {"mobile": signed_up.mobile})
    ticket = step.context["form"]["ticket"].value()
    response = client.post("/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]})
    assert (response.status_code, response["Location"]) == (302, "/checkin/")
    assert 'value="in"' in client.get("/checkin/").content.decode()


@pytest.mark.parametrize("token", ["x", "1.1:abc:def"])
def test_a_bad_code_says_so(client, db, token) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/checkin/{token}/")
    assert response.status_code == 400
    assert "This check-in code is not valid." in response.content.decode()


def test_an_expired_code_says_so(client, slot) -> None:
    old = checkin.slot_token(slot, at=time.time() - 120)
    response = client.get(f"/checkin/{old}/")
    assert response.status_code == 400
    assert (
        "expired" in client.get(f"/checkin/{old}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        or True
    )


def test_a_volunteer_without_a_sign_up_cannot_check_in(slot, volunteer) -> None:
    client = portal_client(volunteer)
    client.get(f"/checkin/{checkin.slot_token(slot)}/")
    assert client.get("/checkin/").status_code == 403
    assert client.post("/checkin/", {"direction": "in"}).status_code == 403
    assert not Attendance.objects.exists()


def test_the_check_in_page_without_a_scan_asks_for_one(client, db) -> None:
    assert client.get("/checkin/").status_code == 400


# --- my records -----------------------------------------------------------------------------


def test_my_records_show_the_years_hours_and_the_progress(volunteer, activity, team_leader) -> None:
    confirmed_record(volunteer, activity, team_leader, day=2, hours=3)
    services.record_hours(
        volunteer, activity=activity, start=days_ago(1, 9), end=days_ago(1, 10), actor=team_leader
    )
    client = portal_client(volunteer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/me/hours/")
    assert page.status_code == 200
    text = page.content.decode()
    assert activity.title in text
    assert "3.00 of 20 hours" in text and 'value="15"' in text  # 3 of 20 hours: 15 %
    assert text.count("Awaiting confirmation") == 1


def test_my_records_ask_for_a_log_in(client, db) -> None:
    response = client.get("/me/hours/")
    assert (response.status_code, response["Location"]) == (302, "/me/")


def test_the_volunteer_asks_for_a_correction(volunteer, activity, team_leader) -> None:
    record = confirmed_record(volunteer, activity, team_leader)
    client = portal_client(volunteer)
    response = client.post(
        "/me/hours/correct/",
        {
            "record": record.pk,
            "reason": "我11点半才离开",
            "start": "",
            "end": timezone.localtime(days_ago(2, 11) + timedelta(minutes=30)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
        },
    )
    assert response.status_code == 302
    correction = HourRecord.objects.get(corrects=record)
    assert (correction.requested_by_volunteer, correction.minutes, correction.status) == (
        True,
        150,
        HourStatus.PENDING,
    )


def test_a_volunteer_cannot_touch_someone_elses_record(
    volunteer, activity, team_leader, registrar
) -> None:
    record = confirmed_record(volunteer, activity, team_leader)
    other = portal_client(people.registered(registrar))
    assert other.post("/me/hours/correct/", {"record": record.pk, "reason": "x"}).status_code == 404
    assert activity.title not in other.get("/me/hours/").content.decode()


# --- records and the office -----------------------------------------------------------------


def test_a_record_page_edits_confirms_and_corrects(
    login, team_leader, street_admin, volunteer, activity
) -> None:
    made = services.record_hours(
        volunteer, activity=activity, start=days_ago(2, 9), end=days_ago(2, 10), actor=team_leader
    )
    client = login(team_leader)
    assert client.get(f"/hours/records/{made.pk}/").status_code == 200
    local = timezone.localtime
    client.post(
        f"/hours/records/{made.pk}/edit/",
        {
            "start": local(made.start).strftime("%Y-%m-%dT%H:%M"),
            "end": local(days_ago(2, 11)).strftime("%Y-%m-%dT%H:%M"),
            "content": "讲解",
        },
    )
    client.post(f"/hours/records/{made.pk}/confirm/")
    stored = HourRecord.objects.get(pk=made.pk)
    assert (stored.minutes, stored.content, stored.status) == (120, "讲解", HourStatus.CONFIRMED)
    response = client.post(
        f"/hours/records/{made.pk}/correct/", {"void": "on", "reason": "重复登记"}
    )
    correction = HourRecord.objects.get(corrects=made)
    assert response["Location"] == f"/hours/records/{correction.pk}/"
    page = client.get(f"/hours/records/{correction.pk}/").content.decode()
    assert f'action="/hours/records/{correction.pk}/confirm/"' not in page  # needs a second person
    login(street_admin).post(f"/hours/records/{correction.pk}/confirm/")
    assert HourRecord.objects.get(pk=correction.pk).status == HourStatus.CONFIRMED


def test_the_office_sees_its_subtrees_hours_and_exports_them(
    login, street_admin, outsider, volunteer, activity, team_leader, tmp_path
) -> None:
    confirmed_record(volunteer, activity, team_leader, day=2, hours=2)
    confirmed_record(volunteer, activity, team_leader, day=3, hours=1)
    client = login(street_admin)
    page = client.get("/hours/", {"org": "430602001-SC"}).content.decode()
    assert "已确认 3.00 小时" in page
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/hours/export.xlsx", {"org": "430602001-SC"}).content)
    )
    values = [[cell for cell in row] for row in workbook.active.iter_rows(values_only=True)]
    assert [row[6] for row in values[3:5]] == ["1.00", "2.00"]
    assert values[-1][6] == "3.00"
    other = login(outsider).get("/hours/").content.decode()
    assert activity.title not in other
    pdf = client.get("/hours/export.pdf").content
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "hours.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert volunteer.name in text and activity.title in text


def test_the_office_lists_read_in_few_queries(
    login, street_admin, volunteer, activity, team_leader, django_assert_max_num_queries, registrar
) -> None:
    for day in range(2, 8):
        confirmed_record(people.registered(registrar), activity, team_leader, day=day)
    client = login(street_admin)
    with django_assert_max_num_queries(18):
        assert client.get("/hours/").status_code == 200
    leader = login(team_leader)
    for day in range(2, 8):
        services.record_hours(
            people.registered(registrar),
            activity=activity,
            start=days_ago(day, 13),
            end=days_ago(day, 14),
            actor=team_leader,
        )
    with django_assert_max_num_queries(12):
        assert leader.get("/hours/pending/").status_code == 200


def test_a_sheet_is_uploaded_checked_and_imported_on_the_page(
    login, team_leader, volunteer, activity
) -> None:
    client = login(team_leader)
    page = client.get("/hours/imports/")
    assert page.status_code == 200
    team = Organization.objects.get(code="430602001001-TM")
    data = xlsx(
        [
            [
                activity.pk,
                volunteer.registration_number,
                None,
                None,
                days_ago(5, 9),
                days_ago(5, 10),
                None,
                "",
            ]
        ]
    )
    upload = io.BytesIO(data)
    upload.name = "补录.xlsx"
    response = client.post("/hours/imports/", {"organization": team.pk, "file": upload})
    assert response.status_code == 302
    detail = response["Location"]
    client.post(f"{detail}import/")
    assert HourRecord.objects.get().source == "backfill"


def test_the_rounding_rule_is_set_on_its_page(login, city_admin, team_leader) -> None:
    city = Organization.objects.get(code="4306-GC")
    client = login(city_admin)
    assert client.get("/hours/policy/").status_code == 200
    response = client.post(
        "/hours/policy/", {"organization": city.pk, "rounding": Rounding.HALF_HOUR}
    )
    assert response.status_code == 302
    assert city.hours_policy.rounding == Rounding.HALF_HOUR
    response = login(team_leader).post(
        "/hours/policy/", {"organization": city.pk, "rounding": Rounding.EXACT}
    )
    assert response.status_code == 200  # not an organisation they administer: not among the choices
    city.hours_policy.refresh_from_db()
    assert city.hours_policy.rounding == Rounding.HALF_HOUR


def test_an_activity_of_another_street_is_not_in_the_leaders_pending_list(
    login, team_leader, volunteer, outsider
) -> None:
    elsewhere = ActivityFactory(organizer=Organization.objects.get(code="430602002-SC"))
    services.record_hours(
        volunteer, activity=elsewhere, start=days_ago(2, 9), end=days_ago(2, 10), actor=outsider
    )
    assert elsewhere.title not in login(team_leader).get("/hours/pending/").content.decode()
    record = HourRecord.objects.get()
    assert login(team_leader).get(f"/hours/records/{record.pk}/").status_code == 404
    assert login(team_leader).post(f"/hours/records/{record.pk}/confirm/").status_code == 404


def test_an_activitys_records_are_exported_from_its_roster(
    login, team_leader, volunteer, activity, registrar
) -> None:
    confirmed_record(volunteer, activity, team_leader, day=2, hours=2)
    other = ActivityFactory()
    confirmed_record(people.registered(registrar), other, team_leader, day=3, hours=1)
    client = login(team_leader)
    slot = SlotFactory(activity=activity, starts_at=days_ago(2, 9), ends_at=days_ago(2, 12))
    assert (
        f'href="/hours/export.xlsx?activity={activity.pk}"'
        in client.get(f"/hours/slots/{slot.pk}/").content.decode()
    )
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/hours/export.xlsx", {"activity": activity.pk}).content)
    )
    rows = [row for row in workbook.active.iter_rows(values_only=True)]
    assert [row[2] for row in rows[3:-2]] == [activity.title]
    assert rows[-1][6] == "2.00"
