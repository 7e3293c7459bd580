"""The office's recognition pages, the ledger's column of this year's hours, and the portal's
page of the yearly hours and star levels, its opt-out and the public notices."""

import time
from io import BytesIO

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.hours.test_api import volunteer_api
from tests.recognition.conftest import NAMES
from tests.volunteers import people
from zhiyuan.common.models import AuditEntry
from zhiyuan.recognition import services
from zhiyuan.recognition.enums import AwardStatus
from zhiyuan.recognition.models import Objection, ReminderOptOut


def portal_client(volunteer) -> Client:
    client = Client()
    state = client.session
    state["volunteers.me"] = {"digest": volunteer.mobile_digest, "at": time.time()}
    state.save()
    return client


def test_the_office_reviews_an_award_on_its_page(
    login, street_admin, volunteer, serve, city_policy
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.apply_for_level(volunteer)
    web = login(street_admin)
    listing = web.get(reverse("recognition:index"))
    assert listing.status_code == 200 and volunteer.name in listing.content.decode()
    page = web.get(reverse("recognition:award", args=[award.pk]))
    assert page.status_code == 200
    answer = web.post(reverse("recognition:award-review", args=[award.pk]), {"decision": "approve"})
    assert answer.status_code == 302
    award.refresh_from_db()
    assert award.status == AwardStatus.NOTICE and award.minutes == 180


def test_other_areas_get_404_for_an_award(login, outsider, volunteer, serve, city_policy) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.apply_for_level(volunteer)
    web = login(outsider)
    assert web.get(reverse("recognition:award", args=[award.pk])).status_code == 404
    posted = web.post(reverse("recognition:award-review", args=[award.pk]), {"decision": "approve"})
    assert posted.status_code == 404
    assert volunteer.name not in web.get(reverse("recognition:index")).content.decode()


def test_the_eligible_list_proposes(login, street_admin, volunteer, serve, city_policy) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    web = login(street_admin)
    assert volunteer.name in web.get(reverse("recognition:eligible")).content.decode()
    done = web.post(reverse("recognition:propose"), {"volunteer": volunteer.pk})
    assert done.status_code == 302
    assert volunteer.star_awards.get().status == AwardStatus.PROPOSED


def test_below_the_line_is_listed_by_unit_and_exported(
    login, street_admin, registrar, serve, city_policy
) -> None:
    city_policy(yearly_hours=10)
    below = people.registered(registrar, name="李不足")
    serve(below, 3)
    web = login(street_admin)
    page = web.get(reverse("recognition:below"))
    assert page.status_code == 200 and "李不足" in page.content.decode()
    exported = web.post(reverse("recognition:below-export"))
    assert exported.status_code == 200
    sheet = load_workbook(BytesIO(exported.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert [r[1:] for r in rows if r[1] == "李不足"] == [
        ["李不足", below.registration_number, "3.00", "10.00", "7.00"]
    ]
    assert AuditEntry.objects.filter(action="recognition.below.exported").exists()


def test_the_ledger_shows_this_years_hours_in_one_query(
    login, street_admin, registrar, serve, city_policy
) -> None:
    city_policy(yearly_hours=10)
    shown = people.registered(registrar, name="列表人")
    serve(shown, 3)
    web = login(street_admin)
    web.get(reverse("volunteers:ledger"))  # the scope and the caches warm
    with CaptureQueriesContext(connection) as few:
        page = web.get(reverse("volunteers:ledger"))
    assert "3.00 / 10" in page.content.decode()
    for n in range(4):
        serve(people.registered(registrar, name="列表" + NAMES[n]), 1 + n)
    with CaptureQueriesContext(connection) as more:
        page = web.get(reverse("volunteers:ledger"))
    assert "4.00 / 10" in page.content.decode()
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_policy_page_saves(login, city_admin) -> None:
    from zhiyuan.organizations.models import Organization

    city = Organization.objects.get(code="4306-GC")
    answer = login(city_admin).post(
        reverse("recognition:policy"),
        {
            "organization": city.pk,
            "yearly_hours": 24,
            "reminder_dates": "07-01, 10-01",
            "star_hours": "100,200,500,800,1000",
            "notice_working_days": 7,
            "bar_months": 6,
        },
    )
    assert answer.status_code == 302
    assert city.recognition_policy.star_hours == [100, 200, 500, 800, 1000]
    refused = login(city_admin).post(
        reverse("recognition:policy"),
        {
            "organization": city.pk,
            "yearly_hours": 24,
            "reminder_dates": "13-01",
            "star_hours": "100,50,500,800,1000",
            "notice_working_days": 7,
            "bar_months": 6,
        },
    )
    assert refused.status_code == 200 and refused.context["form"].errors.keys() >= {
        "reminder_dates",
        "star_hours",
    }


def test_the_volunteer_sees_the_line_applies_and_opts_out(volunteer, serve, city_policy) -> None:
    city_policy(yearly_hours=10, star_hours=[3, 6, 9, 12, 15])
    serve(volunteer, 2)
    web = portal_client(volunteer)
    page = web.get(reverse("public:me-stars")).content.decode()
    assert "2.00" in page and "10" in page
    refused = web.post(
        reverse("public:me-stars-apply"), {"volunteer": volunteer.pk, "level": 1}, follow=True
    )
    assert "1.00" in refused.content.decode()  # the hours still needed
    assert not volunteer.star_awards.exists()
    web.post(reverse("public:me-stars-reminders"), {"reminders": "off"})
    assert ReminderOptOut.objects.filter(volunteer=volunteer).exists()
    web.post(reverse("public:me-stars-reminders"), {"reminders": "on"})
    assert not ReminderOptOut.objects.filter(volunteer=volunteer).exists()


def test_my_hours_count_toward_the_citys_yearly_hours(volunteer, serve, city_policy) -> None:
    # The city asks 30 hours a year: /me/hours/ and the volunteer API measure against them, as
    # /me/stars/ does, not against the HOURS_YEARLY_TARGET setting (20).
    city_policy(yearly_hours=30)
    serve(volunteer, 6)
    web = portal_client(volunteer)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = web.get(reverse("public:me-hours")).content.decode()
    assert "6.00 of 30 hours" in page and 'value="20"' in page  # 6 of 30 hours: 20 %
    phone = volunteer_api(volunteer)
    mine = phone.get("/api/v1/volunteer/hours/").json()
    assert (mine["hours"], mine["target_hours"], mine["percent"]) == ("6.00", "30.00", 20)


def test_my_hours_without_a_policy_use_the_default(volunteer, serve) -> None:
    serve(volunteer, 5)
    mine = volunteer_api(volunteer).get("/api/v1/volunteer/hours/").json()
    assert (mine["hours"], mine["target_hours"], mine["percent"]) == ("5.00", "20.00", 25)


def test_someone_elses_registration_is_404(volunteer, registrar) -> None:
    other = people.registered(registrar, name="别人")
    answer = portal_client(volunteer).post(
        reverse("public:me-stars-apply"), {"volunteer": other.pk}
    )
    assert answer.status_code == 404


def test_anyone_sees_the_notice_masked_and_objects(
    client, volunteer, serve, city_policy, street_admin
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.review_award(
        services.apply_for_level(volunteer), actor=street_admin, approve=True
    )
    listing = client.get(reverse("public:star-notices")).content.decode()
    assert volunteer.name not in listing and volunteer.name[0] in listing
    sent = client.post(
        reverse("public:star-objection", args=[award.pk]), {"text": "我有异议", "contact": "邮箱"}
    )
    assert sent.status_code == 302
    assert Objection.objects.get(award=award).text == "我有异议"
    assert client.get(reverse("public:star-notice", args=[award.pk + 1000])).status_code == 404


def test_an_objections_phone_is_masked_for_the_office(
    login, street_admin, volunteer, serve, city_policy
) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.review_award(
        services.apply_for_level(volunteer), actor=street_admin, approve=True
    )
    services.lodge_objection(award, text="有异议", contact="电话19912345678")
    page = login(street_admin).get(reverse("recognition:award", args=[award.pk])).content.decode()
    assert "199****5678" in page and "19912345678" not in page
