"""The office's pages and the portal's: a campaign opened, nominated for (evidence type-checked
and served only in scope, the counted hours shown), scored, shortlisted and fixed through the
pages; the portal's notice (masked names, objections lodged and answered) and results; the award
on the volunteer's /me/ page and the office's volunteer page; denied access and query counts."""

import io
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.awards.conftest import (
    STREET,
    TODAY,
    campaign_days_ago,
    category,
    give_quota,
    org,
    user,
    volunteer,
)
from zhiyuan.awards import services
from zhiyuan.awards.enums import CampaignStatus, NominationStatus
from zhiyuan.awards.models import Campaign, Nomination, Objection, Score
from zhiyuan.common.models import AuditEntry

pytestmark = pytest.mark.django_db


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def portal_client(volunteer) -> Client:
    client = Client()
    state = client.session
    state["volunteers.me"] = {"digest": volunteer.mobile_digest, "at": time.time()}
    state.save()
    return client


def test_the_city_opens_a_campaign_on_its_page(login_en):
    client = login_en(user("city_admin"))
    page = client.get(reverse("awards:new"))
    assert page.status_code == 200
    answer = client.post(
        reverse("awards:new"),
        {
            "organization": org("4306-GC").pk,
            "title": "最美志愿者评选",
            "year": TODAY.year,
            "criteria": "服务时长与成效",
            "nominations_close": (TODAY + timedelta(days=5)).isoformat(),
            "review_ends": (TODAY + timedelta(days=10)).isoformat(),
            "notice_days": 7,
            "places_outstanding_volunteer": 3,
            "places_best_station": 1,
        },
    )
    made = Campaign.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("awards:campaign", args=[made.pk])
    assert [(c.name, c.subject, c.places) for c in made.categories.all()] == [
        ("Outstanding volunteer", "volunteer", 3),
        ("Best station", "organization", 1),
    ]


def test_a_street_cannot_open_a_campaign(login_en):
    assert login_en(user("street_admin")).get(reverse("awards:new")).status_code == 404


def test_nominating_on_the_page_with_evidence_and_the_hours_shown(campaign, login_en):
    mine = volunteer(name="王优秀", hours=4)
    client = login_en(user("street_admin"))
    form = {
        "nominator": org(STREET).pk,
        "category": category(campaign).pk,
        "registration_number": mine.registration_number,
        "citation": "常年服务社区老人。",
    }
    refused = client.post(
        reverse("awards:nominate", args=[campaign.pk]),
        {**form, "evidence": SimpleUploadedFile("x.png", b"not an image", "image/png")},
    )
    assert refused.status_code == 400
    assert "Choose a JPEG or PNG photo or a PDF of at most 10 MB." in refused.content.decode()
    assert not Nomination.objects.exists()
    made = client.post(
        reverse("awards:nominate", args=[campaign.pk]),
        {**form, "evidence": SimpleUploadedFile("证明.png", png(), "image/png")},
    )
    row = Nomination.objects.get()
    assert made["Location"] == reverse("awards:nomination", args=[row.pk])
    assert (row.evidence_name, row.evidence_type, row.hours_minutes) == (
        "证明.png",
        "image/png",
        240,
    )
    assert Path(row.evidence.storage.path(row.evidence.name)).read_bytes() != png()  # sealed
    page = client.get(reverse("awards:nomination", args=[row.pk])).content.decode()
    assert '<dd id="hours">4.00 (4.00 when nominated)</dd>' in page
    evidence = client.get(reverse("awards:evidence", args=[row.pk]))
    assert b"".join(evidence.streaming_content) == png()
    assert (
        login_en(user("outsider")).get(reverse("awards:evidence", args=[row.pk])).status_code == 404
    )
    assert (
        login_en(user("outsider")).get(reverse("awards:nomination", args=[row.pk])).status_code
        == 404
    )
    assert (
        login_en(user("city_admin")).get(reverse("awards:evidence", args=[row.pk])).status_code
        == 200
    )


def test_nominating_outside_the_subtree_on_the_page_says_so(campaign, login_en):
    from tests.volunteers import people

    elsewhere = volunteer(body=people.OTHER_STREET, actor="outsider", name="赵外街")
    client = login_en(user("city_admin"))  # sees both streets, nominates as 岳阳楼街道
    answer = client.post(
        reverse("awards:nominate", args=[campaign.pk]),
        {
            "nominator": org(STREET).pk,
            "category": category(campaign).pk,
            "registration_number": elsewhere.registration_number,
            "citation": "服务突出",
        },
    )
    assert answer.status_code == 400
    assert (
        "赵外街 is outside 岳阳楼街道志愿服务中心: an organisation nominates only volunteers and "
        "organisations of its own subtree."
    ) in answer.content.decode()
    assert not Nomination.objects.exists()


def test_the_campaign_page_lists_nominations_with_hours_in_a_fixed_number_of_queries(
    campaign, login_en, django_assert_max_num_queries
):
    from tests.awards.conftest import nominate

    for i in range(3):
        nominate(campaign, volunteer(name="测试" + "甲乙丙"[i], hours=i + 1))
    client = login_en(user("city_admin"))
    with django_assert_max_num_queries(15):
        page = client.get(reverse("awards:campaign", args=[campaign.pk]))
    give_quota(campaign, "430602-GC", 10)
    for i in range(6):
        nominate(
            campaign,
            volunteer(name="更多" + "子丑寅卯辰巳"[i], hours=1),
            by="430602-GC",
            actor="district_admin",
        )
    with django_assert_max_num_queries(15):
        page = client.get(reverse("awards:campaign", args=[campaign.pk]))
    text = page.content.decode()
    assert '<td data-label="Counted hours">3.00</td>' in text
    assert text.count('data-label="Counted hours"') == 9
    # Another street sees the city's campaign, but none of these nominations.
    other = login_en(user("outsider")).get(reverse("awards:campaign", args=[campaign.pk]))
    assert other.status_code == 200
    assert 'data-label="Counted hours"' not in other.content.decode()


def test_scoring_on_the_page_once(login_en):
    _made, rows = campaign_days_ago(7)
    client = login_en(user("city_admin"))
    url = reverse("awards:score", args=[rows[0].pk])
    assert client.post(url, {"score": "91.5"}).status_code == 302
    again = client.post(url, {"score": "80"})
    assert again.status_code == 400
    assert (
        "You have scored this nomination already: one score per reviewer." in again.content.decode()
    )
    denied = login_en(user("viewer")).post(url, {"score": "80"})
    assert denied.status_code == 403
    assert list(Score.objects.values_list("score", flat=True)) == [91.5]


def test_shortlist_notice_objection_answer_and_results(login_en):
    made, (first, second) = campaign_days_ago(11)
    services.score_nomination(
        first, actor=user("city_admin"), score="95", today=TODAY - timedelta(days=2)
    )
    services.score_nomination(
        second, actor=user("city_admin"), score="90", today=TODAY - timedelta(days=2)
    )
    office = login_en(user("city_admin"))
    ranking = office.get(reverse("awards:ranking", args=[made.pk])).content.decode()
    assert ranking.index("王优秀") < ranking.index("李先进")
    assert office.post(reverse("awards:shortlist", args=[made.pk])).status_code == 302
    made.refresh_from_db()
    assert (made.status, made.notice_starts) == (CampaignStatus.NOTICE, TODAY)

    public = Client()
    public.cookies["django_language"] = "en"
    notice = public.get(reverse("public:honour", args=[made.pk])).content.decode()
    assert "王*秀" in notice and "李*进" in notice
    assert "王优秀" not in notice and "李先进" not in notice
    assert "常年服务社区老人" in notice
    lodged = public.post(
        reverse("public:honour", args=[made.pk]),
        {"nomination": second.pk, "text": "此人时长有虚报嫌疑，请核查。"},
    )
    objection = Objection.objects.get()
    assert objection.reference in lodged.content.decode()
    answer = office.post(
        reverse("awards:answer", args=[made.pk, objection.pk]),
        {f"o{objection.pk}-upheld": "0", f"o{objection.pk}-answer": "经核查，时长属实。"},
    )
    assert answer.status_code == 302
    lookup = public.post(reverse("public:honour-objection"), {"reference": objection.reference})
    assert "经核查，时长属实。" in lookup.content.decode()
    unknown = public.post(reverse("public:honour-objection"), {"reference": "FFFFFFFFFFFF"})
    assert "No objection has this reference." in unknown.content.decode()

    # After the notice period: fixed through the page.
    Campaign.objects.filter(pk=made.pk).update(
        notice_starts=TODAY - timedelta(days=9), notice_ends=TODAY - timedelta(days=1)
    )
    assert office.post(reverse("awards:fix", args=[made.pk])).status_code == 302
    first.refresh_from_db()
    assert first.status == NominationStatus.AWARDED
    results = public.get(reverse("public:honour", args=[made.pk])).content.decode()
    assert first.award_number in results and "王*秀" in results
    assert "Object to this entry" not in results
    assert made.title in public.get(reverse("public:honours")).content.decode()

    # The award stands on the volunteer's record: the portal's /me/ and the office's page.
    me = portal_client(first.volunteer)
    me.cookies["django_language"] = "en"
    mine = me.get(reverse("public:me")).content.decode()
    assert first.award_number in mine and made.title in mine
    detail = login_en(user("registrar")).get(
        reverse("volunteers:detail", args=[first.volunteer_id])
    )
    assert first.award_number in detail.content.decode()
    assert AuditEntry.objects.filter(action="awards.objection.answered").count() == 1


def test_the_public_pages_show_nothing_unpublished(campaign):
    public = Client()
    assert public.get(reverse("public:honour", args=[campaign.pk])).status_code == 404
    assert campaign.title not in public.get(reverse("public:honours")).content.decode()


def test_the_nominations_export(login_en):
    import openpyxl

    made, rows = campaign_days_ago(7)
    answer = login_en(user("city_admin")).get(reverse("awards:export", args=[made.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2][:6] == [
        "Category",
        "Nominee",
        "Registration number",
        "Nominated by",
        "Counted hours now",
        "Counted hours when nominated",
    ]
    assert values[3][:6] == [
        "优秀志愿者",
        "王优秀",
        rows[0].volunteer.registration_number,
        "岳阳楼街道志愿服务中心",
        "4.00",
        "4.00",
    ]
    assert len(values) == 5
    outsider = login_en(user("outsider")).get(reverse("awards:export", args=[made.pk]))
    assert outsider.status_code == 200
    other = openpyxl.load_workbook(io.BytesIO(outsider.content)).active
    assert other.max_row <= 4  # the header only: 岳阳楼街道's nominations are not theirs
    assert AuditEntry.objects.filter(action="awards.nominations.exported").count() == 2
