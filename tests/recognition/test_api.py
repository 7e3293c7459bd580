"""Recognition over the API: the office's awards, eligibility, below the line and policy; the
volunteer's stars and opt-out with a volunteer token; the public notices and objections; the
endpoints in the OpenAPI schema."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from knox.models import AuthToken

from tests.volunteers import people
from zhiyuan.api.volunteer_auth import issue_token
from zhiyuan.recognition import services
from zhiyuan.recognition.enums import AwardStatus
from zhiyuan.recognition.models import ReminderOptOut

V1 = "/api/v1"


@pytest.fixture(autouse=True)
def _english_and_fresh_throttles(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()
    yield
    cache.clear()


def api(user) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def as_volunteer(volunteer) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Volunteer {issue_token(volunteer.mobile_digest)}")


def post(client: Client, url: str, body: dict | None = None, method: str = "post"):
    return getattr(client, method)(
        V1 + url, json.dumps(body or {}), content_type="application/json"
    )


def test_the_office_proposes_reviews_and_reads(street_admin, volunteer, serve, city_policy) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    office = api(street_admin)
    eligible = office.get(f"{V1}/star-eligible/").json()
    assert [(row["volunteer"]["id"], row["next_level"], row["hours"]) for row in eligible] == [
        (volunteer.pk, 1, "3.00")
    ]
    made = post(office, "/star-awards/", {"volunteer": volunteer.pk})
    assert made.status_code == 201 and made.json()["status"] == AwardStatus.PROPOSED
    pk = made.json()["id"]
    reviewed = post(office, f"/star-awards/{pk}/review/", {"approve": True})
    assert reviewed.status_code == 200
    assert (reviewed.json()["status"], reviewed.json()["hours"]) == ("notice", "3.00")
    early = post(office, f"/star-awards/{pk}/grant/")
    assert early.status_code == 400
    listed = office.get(f"{V1}/star-awards/?status=notice").json()
    assert [row["id"] for row in listed["results"]] == [pk]


def test_applying_short_answers_400_with_the_hours_needed(volunteer, serve, city_policy) -> None:
    city_policy(star_hours=[3, 6, 9, 12, 15])
    serve(volunteer, 1)
    answer = post(as_volunteer(volunteer), "/volunteer/stars/", {"volunteer": volunteer.pk})
    assert answer.status_code == 400
    assert "2.00 hours still needed" in json.dumps(answer.json())


def test_the_volunteer_reads_their_stars_and_opts_out(volunteer, serve, city_policy) -> None:
    city_policy(yearly_hours=10)
    serve(volunteer, 4)
    mine = as_volunteer(volunteer)
    rows = mine.get(f"{V1}/volunteer/stars/").json()
    assert [(r["year_hours"], r["yearly_hours"], r["reminders"]) for r in rows] == [
        ("4.00", "10.00", True)
    ]
    done = post(mine, "/volunteer/reminders/", {"reminders": False}, method="put")
    assert done.status_code == 200
    assert ReminderOptOut.objects.filter(volunteer=volunteer).exists()


def test_other_areas_get_404_and_no_lists(outsider, volunteer, serve, city_policy) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.apply_for_level(volunteer)
    other = api(outsider)
    assert other.get(f"{V1}/star-awards/{award.pk}/").status_code == 404
    assert post(other, f"/star-awards/{award.pk}/review/", {"approve": True}).status_code == 404
    assert other.get(f"{V1}/star-eligible/").json() == []
    assert post(other, "/star-awards/", {"volunteer": volunteer.pk}).status_code == 404
    below = other.get(f"{V1}/hours-below/").json()
    assert volunteer.pk not in [row["id"] for row in below["results"]]


def test_below_the_line_by_unit(street_admin, registrar, city_policy) -> None:
    city_policy(yearly_hours=10)
    people.registered(registrar, name="李不足")
    units = api(street_admin).get(f"{V1}/hours-below/units/").json()
    assert [u["organization"]["code"] for u in units] == ["430602001-SC"]


def test_the_policy_is_read_and_set(city_admin, street_admin, org) -> None:
    city = org("4306-GC")
    body = {
        "organization": city.pk,
        "yearly_hours": 20,
        "reminder_dates": ["07-01"],
        "star_hours": [100, 200, 500, 800, 1000],
    }
    assert post(api(street_admin), "/recognition-policy/", body, method="put").status_code == 404
    answer = post(api(city_admin), "/recognition-policy/", body, method="put")
    assert answer.status_code == 200 and answer.json()["star_hours"] == [100, 200, 500, 800, 1000]
    bad = post(
        api(city_admin),
        "/recognition-policy/",
        {**body, "star_hours": [5, 4, 3, 2, 1]},
        method="put",
    )
    assert bad.status_code == 400


def test_public_notices_and_objections(client, volunteer, serve, city_policy, street_admin) -> None:
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.review_award(
        services.apply_for_level(volunteer), actor=street_admin, approve=True
    )
    shown = client.get(f"{V1}/public/star-notices/").json()
    assert [(n["id"], n["level"]) for n in shown] == [(award.pk, 1)]
    assert shown[0]["name"] != volunteer.name
    sent = post(client, f"/public/star-notices/{award.pk}/objections/", {"text": "有异议"})
    assert sent.status_code == 201
    unknown = post(client, "/public/star-notices/999999/objections/", {"text": "有异议"})
    assert unknown.status_code == 404


def test_the_endpoints_are_in_the_schema(client, db) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    for path in (
        "/api/v1/star-awards/",
        "/api/v1/star-eligible/",
        "/api/v1/hours-below/",
        "/api/v1/recognition-policy/",
        "/api/v1/volunteer/stars/",
        "/api/v1/public/star-notices/",
    ):
        assert path in text


def test_an_objectors_contact_reaches_only_the_reviewers_and_masked(
    street_admin, team_leader, registrar, volunteer, serve, city_policy
) -> None:
    """The objector's phone is masked for the office that reviews the award, as on the page,
    and is not given at all to the registrar or the volunteer's team leader (who see the award
    but do not review it)."""
    city_policy(star_hours=[2, 4, 6, 8, 10])
    serve(volunteer, 3)
    award = services.review_award(
        services.apply_for_level(volunteer), actor=street_admin, approve=True
    )
    services.lodge_objection(award, text="有异议", contact="电话19912345678")
    url = f"{V1}/star-awards/{award.pk}/objections/"
    assert [o["contact"] for o in api(street_admin).get(url).json()] == ["电话199****5678"]
    for user in (registrar, team_leader):
        answer = api(user).get(url)
        assert answer.status_code in (200, 404)
        if answer.status_code == 200:
            assert [o["contact"] for o in answer.json()] == [""]
    assert "19912345678" not in api(registrar).get(url).content.decode()
