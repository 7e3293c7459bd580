"""The pages: opening a spot check, the checker's phone-first item page, a case decided by the
body's administrator, the rates on the dashboard and under the tables, the exports, and the
volunteer's own voice on the portal and through the SMS link; nothing leaks to another area."""

import io
from typing import cast

from django.conf import settings
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from openpyxl import load_workbook

from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.activities.models import Activity
from zhiyuan.checks import services
from zhiyuan.checks.enums import Outcome
from zhiyuan.checks.models import Campaign, Case
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.report_links import report_link


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_district_opens_a_spot_check_and_a_too_large_sample_is_refused(
    population, login, district_admin, org
) -> None:
    web = _english(login(district_admin))
    today = timezone.localdate()
    form = {
        "organization": "430602-GC",
        "title": "Q2 check",
        "subject": "registrations",
        "period_start": f"{today.year}-01-01",
        "period_end": today.isoformat(),
        "sample_size": "16",
    }
    refused = web.post("/checks/new/", form)
    assert refused.status_code == 200
    assert "The sample (16) is larger than the population: 15 to choose from." in (
        refused.content.decode()
    )
    assert not Campaign.objects.exists()
    form["sample_size"], form["seed"] = "5", "42"
    opened = web.post("/checks/new/", form)
    campaign = Campaign.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/checks/{campaign.pk}/"
    page = web.get(f"/checks/{campaign.pk}/").content.decode()
    assert '<dd id="seed">42</dd>' in page
    xlsx = web.get(f"/checks/{campaign.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3 + 5  # title, blank, header, 5 items
    pdf = web.get(f"/checks/{campaign.pk}/export.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")


def test_the_checker_reveals_the_phone_and_records_a_denial(
    population, open_check, login, checker, district_admin, etdz_admin
) -> None:
    campaign = open_check()
    services.assign_items(campaign, checker=checker, actor=district_admin)
    item = campaign.items.filter(assigned_to=checker).order_by("position").first()
    web = _english(login(checker))
    mine = web.get("/checks/mine/").content.decode()
    assert item.volunteer.name in mine
    page = web.get(f"/checks/items/{item.pk}/").content.decode()
    assert item.volunteer.mobile not in page and item.volunteer.document_number not in page
    shown = web.post(f"/checks/items/{item.pk}/phone/").content.decode()
    assert f'href="tel:{item.volunteer.mobile}"' in shown
    assert AuditEntry.objects.filter(action="volunteer.personal_data.viewed").count() == 1
    refused = web.post(f"/checks/items/{item.pk}/outcome/", {"outcome": "denies_registration"})
    assert refused.status_code == 400
    assert "this outcome needs a note" in refused.content.decode()
    done = web.post(
        f"/checks/items/{item.pk}/outcome/",
        {"outcome": "denies_registration", "note": "Says they never registered"},
    )
    assert done.status_code == 302
    assert Case.objects.get(item=item).finding == "Says they never registered"
    assert login(etdz_admin).get(f"/checks/items/{item.pk}/").status_code == 404
    assert login(etdz_admin).get(f"/checks/{campaign.pk}/").status_code == 404


def test_the_bodys_administrator_cancels_the_registration_and_the_dashboard_shows_the_rate(
    population, open_check, login, checker, street_admin, city_admin, outsider
) -> None:
    campaign = open_check()
    street = list(campaign.items.filter(body__organization__code=people.STREET))
    services.record_outcome(street[0], actor=checker, outcome=Outcome.CONFIRMED)
    services.record_outcome(
        street[1], actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认"
    )
    case = Case.objects.get()
    assert login(outsider).get(f"/checks/cases/{case.pk}/").status_code == 404
    web = _english(login(street_admin))
    assert f"/checks/cases/{case.pk}/" in web.get("/checks/cases/").content.decode()
    refused = web.post(f"/checks/cases/{case.pk}/decide/", {"decision": "", "note": "x"})
    assert "Choose a decision: a case is closed with one." in refused.content.decode()
    web.post(
        f"/checks/cases/{case.pk}/decide/",
        {"decision": "registration_cancelled", "note": "Registered without consent"},
    )
    volunteer = Volunteer.objects.get(pk=street[1].volunteer_id)
    assert volunteer.status == RegistrationStatus.CANCELLED
    board = _english(login(city_admin)).get("/reports/dashboard/").content.decode()
    assert 'id="verification-bodies"' in board
    # 岳阳楼街道: 2 checked, 1 confirmed (50.0 %), 1 denied (50.0 %): flagged
    assert "50.0%" in board and "above the denial threshold" in board
    table = _english(login(city_admin)).get("/reports/attachment5/?org=430602-GC")
    assert "Spot checks of registrations in this area: 2 checked" in table.content.decode()


def test_the_volunteer_says_this_is_not_me_on_the_portal(
    population, registrar, outbox, django_capture_on_commit_callbacks
) -> None:
    volunteer = population["registrar"][0]
    web = _english(Client())
    with django_capture_on_commit_callbacks(execute=True):
        step = web.post("/me/login/", {"mobile": volunteer.mobile})
    ticket = step.context["form"]["ticket"].value()
    web.post("/me/code/", {"ticket": ticket, "code": outbox[-1].params["code"]})
    page = web.get("/me/reports/")
    text = page.content.decode()
    assert "陈登记 (registrar)" in text and "Entered by a registrar" in text
    web.post("/me/reports/not-me/", {"volunteer": volunteer.pk, "message": "I never did"})
    case = Case.objects.get()
    assert (case.volunteer, case.finding) == (volunteer, "I never did")
    after = web.get("/me/reports/").content.decode()
    assert f"Case {case.pk}" in after and "must look into it and decide" in after


def test_the_sms_link_reports_without_revealing_who(population, outbox) -> None:
    volunteer = population["self"][0]
    path = "/" + report_link(volunteer.pk).split("/", 3)[3]
    web = _english(Client())
    page = web.get(path).content.decode()
    assert volunteer.name not in page and volunteer.registration_number not in page
    done = web.post(path, {"message": ""})
    assert done.status_code == 200
    case = Case.objects.get()
    assert f"Case {case.pk}" in done.content.decode()
    assert volunteer.name not in done.content.decode()
    assert web.get(path.replace("/me/report/", "/me/report/x")).status_code == 400


def test_the_sms_link_serves_once_and_then_says_so_revealing_nothing(population) -> None:
    volunteer = population["self"][0]
    path = "/" + report_link(volunteer.pk).split("/", 3)[3]
    web = _english(Client())
    first = web.post(path, {"message": "不是我"})
    assert first.status_code == 200
    case = Case.objects.get()
    again = web.post(path, {"message": "再报一次"})
    shown = web.get(path)
    for answer in (again, shown, _english(Client()).post(path, {})):
        assert answer.status_code == 410
        text = answer.content.decode()
        assert "This link was already used to make a report." in text
        for secret in (
            volunteer.name,
            volunteer.registration_number or "-",
            volunteer.body.organization.name,
            f"Case {case.pk}",
            "不是我",
            "<textarea",
        ):
            assert secret not in text
    assert Case.objects.count() == 1
    assert Case.objects.get().finding == "不是我"


def test_the_hours_recorded_sms_links_to_i_did_not_serve_this(
    registrar, team_leader, outbox, django_capture_on_commit_callbacks
) -> None:
    from datetime import timedelta

    from tests.factories import ActivityFactory
    from zhiyuan.checks.enums import CaseKind
    from zhiyuan.hours import services as hours_services

    volunteer = people.registered(registrar, name="欧阳秀兰")
    activity = cast(Activity, ActivityFactory(title="敬老院陪伴"))
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    made = hours_services.record_hours(
        volunteer,
        activity=activity,
        start=start,
        end=start + timedelta(hours=2),
        actor=team_leader,
    )
    with django_capture_on_commit_callbacks(execute=True):
        hours_services.confirm_records([made], actor=team_leader)
    sms = [m for m in outbox if m.template == "hours_recorded"]
    assert [(m.mobile, m.params["hours"], m.params["activity"]) for m in sms] == [
        (volunteer.mobile, "2.00", "敬老院陪伴")
    ]
    path = "/" + sms[0].params["report"].split("/", 3)[3]
    web = _english(Client())
    page = web.get(path).content.decode()
    assert "欧阳秀兰" not in page and "I did not serve this" in page
    web.post(path, {"message": "那天我在外地"})
    case = Case.objects.get()
    assert (case.kind, case.hour_record, case.organization) == (
        CaseKind.HOURS_DENIED,
        made,
        made.organizer,
    )


def test_the_staff_of_the_checked_street_do_not_see_the_check_or_its_sample(
    population, open_check, login, checker, district_admin, street_admin, registrar, viewer
) -> None:
    """A spot check over 岳阳楼街道 (opened by the district): its registrar, administrator and
    viewer, whose registrations are checked, could warn the people drawn before the call; they
    get 404 on the check, its items and its file, on the pages and over the API, and do not
    find it in the list. The district office and the checker see it."""
    campaign = open_check(area=people.STREET)
    item = campaign.items.order_by("position").first()
    for user in (street_admin, registrar, viewer):
        web = login(user)
        assert web.get(f"/checks/{campaign.pk}/").status_code == 404
        assert web.get(f"/checks/items/{item.pk}/").status_code == 404
        assert web.get(f"/checks/{campaign.pk}/export.xlsx").status_code == 404
        assert f"/checks/{campaign.pk}/" not in web.get("/checks/").content.decode()
        api = Client(headers={"authorization": f"Token {_token(user)}"})
        assert api.get(f"/api/v1/spot-checks/{campaign.pk}/").status_code == 404
        assert api.get(f"/api/v1/spot-checks/{campaign.pk}/items/").status_code == 404
        assert api.get(f"/api/v1/check-items/{item.pk}/").status_code == 404
        assert api.get("/api/v1/spot-checks/").json()["results"] == []
    for user in (district_admin, checker):
        assert login(user).get(f"/checks/{campaign.pk}/").status_code == 200
        assert login(user).get(f"/checks/items/{item.pk}/").status_code == 200
    services.record_outcome(item, actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认")
    case = Case.objects.get(item=item)
    page = login(street_admin).get(f"/checks/cases/{case.pk}/").content.decode()
    assert campaign.title in page and f"/checks/items/{item.pk}/" not in page
    assert (
        f"/checks/items/{item.pk}/"
        in login(district_admin).get(f"/checks/cases/{case.pk}/").content.decode()
    )


def _token(user: User) -> str:
    return str(AuthToken.objects.create(user=user)[1])


def test_a_photo_of_evidence_is_served_as_its_own_image_type(
    population, open_check, login, checker, street_admin
) -> None:
    """A case's evidence photo answers with its real type (image/png), not "image/*", which is
    no media type a browser can show; only to those who see the case."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    campaign = open_check()
    item = campaign.items.filter(body__organization__code=people.STREET).first()
    services.record_outcome(item, actor=checker, outcome=Outcome.DENIES_REGISTRATION, note="否认")
    case = services.decide_case(
        Case.objects.get(item=item),
        actor=street_admin,
        decision="disputed",
        note="本人签字的登记表在档",
        evidence=SimpleUploadedFile("form.png", buffer.getvalue()),
    )
    answer = login(street_admin).get(f"/checks/cases/{case.pk}/evidence/")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/png"
    assert answer.content == buffer.getvalue()
