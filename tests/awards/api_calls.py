"""What tests/api/test_schemathesis.py needs of the award endpoints: real objects their paths
name, and one successful call of each operation, as a user would make it (campaigns whose dates
put today in the stage each act needs)."""

from datetime import timedelta
from typing import Any

from tests.awards.conftest import (
    STREET,
    TODAY,
    campaign_days_ago,
    org,
    user,
    volunteer,
)
from zhiyuan.awards import services


def awards_known_ids() -> dict[str, list[Any]]:
    """A campaign under review with two nominations, and an objection to a shortlist."""
    reviewing, rows = campaign_days_ago(7)
    on_notice, (first, _second) = campaign_days_ago(11)
    services.score_nomination(
        first, actor=user("city_admin"), score="90", today=TODAY - timedelta(days=2)
    )
    services.publish_shortlist(on_notice, actor=user("city_admin"))
    first.refresh_from_db()
    objection = services.lodge_objection(first, text="请核查此人的服务时长。")
    return {
        "award-campaigns": [reviewing.pk, on_notice.pk],
        "award-nominations": [row.pk for row in rows],
        "award-objections": [objection.pk],
    }


def call_awards_operations(call: Any) -> None:
    """The city opens a campaign and gives a quota; the street nominates and withdraws; the
    city scores, reads the ranking, publishes a shortlist, answers an objection and fixes the
    results; anyone reads the notice and objects."""
    body = {
        "organization": org("4306-GC").pk,
        "title": "年度评选",
        "year": TODAY.year,
        "criteria": "服务成效",
        "nominations_close": (TODAY + timedelta(days=5)).isoformat(),
        "review_ends": (TODAY + timedelta(days=10)).isoformat(),
        "categories": [{"kind": "outstanding_volunteer", "name": "优秀志愿者", "places": 2}],
    }
    opened = call("city_admin", "POST", "/award-campaigns/", body).json()
    call("city_admin", "GET", "/award-campaigns/")
    call("city_admin", "GET", "/award-campaigns/{id}/", id=opened["id"])
    quota = {"category": opened["categories"][0]["id"], "unit": org(STREET).pk, "places": 2}
    call("city_admin", "POST", "/award-campaigns/{id}/quotas/", quota, id=opened["id"])
    nominee = volunteer(name="接口测试")
    made = call(
        "city_admin",
        "POST",
        "/award-nominations/",
        {
            "campaign": opened["id"],
            "nominator": org(STREET).pk,
            "category": opened["categories"][0]["id"],
            "volunteer": nominee.pk,
            "citation": "服务突出",
        },
    ).json()
    call("city_admin", "GET", "/award-nominations/")
    call("city_admin", "GET", "/award-nominations/{id}/", id=made["id"])
    call(
        "city_admin", "POST", "/award-nominations/{id}/withdraw/", {"reason": "重报"}, id=made["id"]
    )

    reviewing, rows = campaign_days_ago(7)
    call("city_admin", "POST", "/award-nominations/{id}/scores/", {"score": "88"}, id=rows[0].pk)
    call("city_admin", "GET", "/award-campaigns/{id}/ranking/", id=reviewing.pk)
    reviewed, (first, _second) = campaign_days_ago(11)
    services.score_nomination(
        first, actor=user("city_admin"), score="90", today=TODAY - timedelta(days=2)
    )
    call("city_admin", "POST", "/award-campaigns/{id}/shortlist/", id=reviewed.pk)
    call("anonymous", "GET", "/public/award-campaigns/")
    call("anonymous", "GET", "/public/award-campaigns/{id}/", id=reviewed.pk)
    objection = {"nomination": first.pk, "text": "请核查此人的服务时长。"}
    call("anonymous", "POST", "/public/award-objections/", objection)
    call("city_admin", "GET", "/award-campaigns/{id}/objections/", id=reviewed.pk)
    lodged = reviewed.objections.get()
    answer = {"upheld": False, "answer": "经核查属实。"}
    call("city_admin", "POST", "/award-objections/{id}/answer/", answer, id=lodged.pk)

    # Published 11 days ago: its 7 working days are over whatever the weekday.
    ended, (winner, _runner) = campaign_days_ago(22)
    services.score_nomination(
        winner, actor=user("city_admin"), score="96", today=TODAY - timedelta(days=14)
    )
    services.publish_shortlist(ended, actor=user("city_admin"), today=TODAY - timedelta(days=11))
    call("city_admin", "POST", "/award-campaigns/{id}/fix/", id=ended.pk)
