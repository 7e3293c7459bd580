"""The awards API: who may open, nominate, score, publish, answer and fix; what each caller
sees (404 outside the scope, 403 for acts their roles do not allow, nothing written); the
public shortlist with masked names and the objection; the schema."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.awards.conftest import (
    STREET,
    TODAY,
    campaign_days_ago,
    category,
    nominate,
    org,
    user,
    volunteer,
)
from tests.volunteers import people
from zhiyuan.awards import services
from zhiyuan.awards.models import Campaign, Nomination, Objection, Score

pytestmark = pytest.mark.django_db


def test_opening_a_campaign_over_the_api(api):
    body = {
        "organization": org("430602-GC").pk,
        "title": "区级最美志愿者",
        "year": TODAY.year,
        "criteria": "服务成效",
        "nominations_close": (TODAY + timedelta(days=3)).isoformat(),
        "review_ends": (TODAY + timedelta(days=6)).isoformat(),
        "categories": [{"kind": "outstanding_volunteer", "name": "优秀志愿者", "places": 2}],
    }
    url = reverse("api:award-campaign-list")
    own = {**body, "organization": org(STREET).pk}  # a street does not open campaigns
    denied = api(user("street_admin")).post(url, own, content_type="application/json")
    assert denied.status_code == 403
    unseen = api(user("street_admin")).post(url, body, content_type="application/json")
    assert unseen.status_code == 400
    outside = api(user("etdz_admin")).post(url, body, content_type="application/json")
    assert outside.status_code == 400  # the district is not inside the management area
    made = api(user("district_admin")).post(url, body, content_type="application/json")
    assert made.status_code == 201
    assert made.json()["stage"] == "nominating"
    assert made.json()["categories"][0]["subject"] == "volunteer"
    assert Campaign.objects.count() == 1


def test_nominating_over_the_api(campaign, api):
    mine = volunteer(name="王优秀", hours=4)
    url = reverse("api:award-nomination-list")
    body = {
        "campaign": campaign.pk,
        "nominator": org(STREET).pk,
        "category": category(campaign).pk,
        "volunteer": mine.pk,
        "citation": "常年服务社区老人。",
    }
    refused = api(user("outsider")).post(url, body, content_type="application/json")
    assert refused.status_code == 400  # neither the street nor the volunteer is in their area
    made = api(user("street_admin")).post(url, body, content_type="application/json")
    assert made.status_code == 201
    assert made.json()["hours"] == "4.00"
    assert made.json()["nominee"]["name"] == "王优秀"
    elsewhere = volunteer(body=people.OTHER_STREET, actor="outsider", name="赵外街")
    answer = api(user("city_admin")).post(
        url, {**body, "volunteer": elsewhere.pk}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["volunteer"] == [  # in the default language, Simplified Chinese
        "赵外街 不在 岳阳楼街道志愿服务中心 的范围内：组织只能推荐本级及下级的志愿者和组织。"
    ]
    assert Nomination.objects.count() == 1
    # Seen by the street and the city, not by another street.
    row = Nomination.objects.get()
    detail = reverse("api:award-nomination-detail", args=[row.pk])
    assert api(user("city_admin")).get(detail).status_code == 200
    assert api(user("outsider")).get(detail).status_code == 404
    assert api(user("outsider")).get(url).json()["results"] == []


def test_scores_over_the_api(api):
    _made, rows = campaign_days_ago(7)
    url = reverse("api:award-nomination-scores", args=[rows[0].pk])
    assert (
        api(user("viewer")).post(url, {"score": "80"}, content_type="application/json").status_code
        == 403
    )
    assert (
        api(user("outsider"))
        .post(url, {"score": "80"}, content_type="application/json")
        .status_code
        == 404
    )
    done = api(user("city_admin")).post(url, {"score": "87.5"}, content_type="application/json")
    assert done.status_code == 201
    again = api(user("city_admin")).post(url, {"score": "90"}, content_type="application/json")
    assert again.status_code == 400
    assert list(Score.objects.values_list("score", flat=True)) == [87.5]


def test_shortlist_objection_and_fix_over_the_api(api, client):
    made, (first, second) = campaign_days_ago(11)
    day = TODAY - timedelta(days=2)
    services.score_nomination(first, actor=user("city_admin"), score="95", today=day)
    services.score_nomination(second, actor=user("city_admin"), score="60", today=day)
    shortlist = reverse("api:award-campaign-shortlist", args=[made.pk])
    assert api(user("street_admin")).post(shortlist).status_code == 403
    assert api(user("city_admin")).post(shortlist).json()["status"] == "notice"
    public = client.get(reverse("api:public-award-campaign", args=[made.pk])).json()
    assert [(e["name"], e["category"]) for e in public["entries"]] == [
        ("王*秀", "优秀志愿者"),
        ("李*进", "优秀志愿者"),
    ]
    assert public["objections_open"] is True
    lodged = client.post(
        reverse("api:public-award-objections"),
        {"nomination": second.pk, "text": "时长有虚报嫌疑，请核查。"},
        content_type="application/json",
    )
    assert lodged.status_code == 201
    assert lodged.json()["status"] == "open"
    objection = Objection.objects.get()
    answer = reverse("api:award-objection-answer", args=[objection.pk])
    body = {"upheld": True, "answer": "属实，取消。"}
    assert (
        api(user("street_admin")).post(answer, body, content_type="application/json").status_code
        == 403
    )
    assert (
        api(user("city_admin")).post(answer, body, content_type="application/json").status_code
        == 200
    )
    fix = reverse("api:award-campaign-fix", args=[made.pk])
    early = api(user("city_admin")).post(fix)
    assert early.status_code == 400
    Campaign.objects.filter(pk=made.pk).update(
        notice_starts=TODAY - timedelta(days=9), notice_ends=TODAY - timedelta(days=1)
    )
    fixed = api(user("city_admin")).post(fix)
    assert fixed.json()["status"] == "fixed"
    results = client.get(reverse("api:public-award-campaign", args=[made.pk])).json()
    assert [(e["name"], e["award_number"]) for e in results["entries"]] == [
        ("王*秀", f"{TODAY.year}-{made.pk:04d}-001")
    ]


def test_the_public_api_shows_nothing_unpublished(campaign, client):
    assert client.get(reverse("api:public-award-campaigns")).json() == []
    assert client.get(reverse("api:public-award-campaign", args=[campaign.pk])).status_code == 404
    row = nominate(campaign, volunteer())
    refused = client.post(
        reverse("api:public-award-objections"),
        {"nomination": row.pk, "text": "这是一条不在公示期的异议。"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert not Objection.objects.exists()


def test_the_schema_holds_the_awards_operations(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/award-campaigns/",
        "/api/v1/award-campaigns/{id}/shortlist/",
        "/api/v1/award-nominations/{id}/scores/",
        "/api/v1/award-objections/{id}/answer/",
        "/api/v1/public/award-campaigns/",
        "/api/v1/public/award-objections/",
    ):
        assert path in schema


def test_the_lists_take_a_fixed_number_of_queries(campaign, api, django_assert_max_num_queries):
    from tests.awards.conftest import give_quota

    client = api(user("city_admin"))
    for name in ("钱一", "钱二"):
        nominate(campaign, volunteer(name=name, hours=1))
    with django_assert_max_num_queries(8) as few:
        assert len(client.get(reverse("api:award-nomination-list")).json()["results"]) == 2
    give_quota(campaign, "430602-GC", 10)
    for name in ("孙一", "孙二", "孙三", "孙四"):
        nominate(campaign, volunteer(name=name, hours=2), by="430602-GC", actor="district_admin")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("api:award-nomination-list")).json()["results"]) == 6
    open_second = campaign_days_ago(7)[0]
    with django_assert_max_num_queries(8):
        listed = client.get(reverse("api:award-campaign-list")).json()["results"]
    assert [row["id"] for row in listed] == [open_second.pk, campaign.pk]
