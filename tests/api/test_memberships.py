"""Team memberships and volunteers' requests over the API."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.registrations import post, snapshot
from tests.volunteers.people import OTHER_STREET
from zhiyuan.accounts.models import User
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import services
from zhiyuan.volunteers.models import Membership, Volunteer, VolunteerRequest

pytestmark = pytest.mark.django_db

URL = "/api/v1/memberships/"
REQUESTS = "/api/v1/volunteer-requests/"
TEAM = "430602001001-TM"  # 郭亮社区志愿服务队, led by team_leader
Org = Callable[[str], Organization]


def org_ref(org: Org, code: str) -> dict:
    found = org(code)
    return {"id": found.pk, "code": found.code, "name": found.name}


def volunteer_ref(volunteer: Volunteer) -> dict:
    return {
        "id": volunteer.pk,
        "name": volunteer.name,
        "registration_number": volunteer.registration_number,
    }


def membership(volunteer: Volunteer, org: Org, code: str = TEAM) -> Membership:
    return services.apply_for_team(volunteer, org(code))


def test_memberships_need_a_log_in(client: Client, registrar: User, org: Org, registered) -> None:
    member = membership(registered(registrar), org)
    assert client.get(URL).status_code == 401
    assert client.get(REQUESTS).status_code == 401
    assert post(client, f"{URL}{member.pk}/approve/").status_code == 401


def test_a_registrar_applies_and_the_team_leader_approves(
    api, registrar: User, team_leader: User, org: Org, registered
) -> None:
    volunteer = registered(registrar, name="入队者")
    response = post(api(registrar), URL, {"volunteer": volunteer.pk, "team": org(TEAM).pk})
    assert response.status_code == 201, response.content
    applied = response.json()
    assert applied == {
        "id": applied["id"],
        "volunteer": volunteer_ref(volunteer),
        "team": org_ref(org, TEAM),
        "status": "applied",
        "applied_at": applied["applied_at"],
        "decided_at": None,
        "decided_by": None,
        "joined_on": None,
        "left_on": None,
    }
    leader = api(team_leader)
    assert [row["id"] for row in leader.get(URL).json()["results"]] == [applied["id"]]
    approved = post(leader, f"{URL}{applied['id']}/approve/")
    assert approved.status_code == 200
    today = timezone.localdate().isoformat()
    assert {key: approved.json()[key] for key in ("status", "decided_by", "joined_on")} == {
        "status": "approved",
        "decided_by": {"id": team_leader.pk, "name": "刘队长"},
        "joined_on": today,
    }
    twice = post(leader, f"{URL}{applied['id']}/reject/")
    assert twice.status_code == 400
    assert twice.json() == {"detail": ["This application was already decided."]}
    left = post(leader, f"{URL}{applied['id']}/leave/")
    assert (left.json()["status"], left.json()["left_on"]) == ("left", today)
    detail = api(registrar).get(f"/api/v1/volunteers/{volunteer.pk}/").json()
    assert detail["memberships"] == [
        {
            "id": applied["id"],
            "team": org_ref(org, TEAM),
            "status": "left",
            "joined_on": today,
            "left_on": today,
        }
    ]


def test_rejecting(api, registrar: User, street_admin: User, org: Org, registered) -> None:
    member = membership(registered(registrar), org)
    response = post(api(street_admin), f"{URL}{member.pk}/reject/")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_applications_are_checked(
    api, registrar: User, viewer: User, org: Org, apply, registered
) -> None:
    active, pending = registered(registrar), apply(registrar)
    client = api(registrar)
    before = snapshot()
    cases = [
        (
            {"volunteer": pending.pk, "team": org(TEAM).pk},
            {"detail": ["Only active registered volunteers join teams."]},
        ),
        (
            {"volunteer": active.pk, "team": org("430602001-SC").pk},
            {"team": ["Choose an active service team or station."]},
        ),
        (
            {"volunteer": active.pk, "team": 2**62},
            {"team": ["Choose an active service team or station."]},
        ),
        ({"volunteer": active.pk}, {"team": ["This field is required."]}),
    ]
    for data, errors in cases:
        response = post(client, URL, data)
        assert response.status_code == 400, data
        assert response.json() == errors
    denied = post(api(viewer), URL, {"volunteer": active.pk, "team": org(TEAM).pk})
    assert denied.status_code == 403
    assert denied.json() == {"detail": "Only registrars and administrators apply for volunteers."}
    assert snapshot() == before


def test_others_see_and_change_nothing(
    api, registrar: User, outsider: User, team_leader: User, org: Org, registered
) -> None:
    mine = registered(registrar)
    member = membership(mine, org)
    theirs = registered(outsider, OTHER_STREET)
    their_member = membership(theirs, org, "430602002001-TM")
    before = snapshot()
    client = api(outsider)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [their_member.pk]
    for name in ("approve", "reject", "leave"):
        response = post(client, f"{URL}{member.pk}/{name}/")
        assert response.status_code == 404, name
        assert response.json() == {"detail": "Not found."}
    hidden = post(client, URL, {"volunteer": mine.pk, "team": org("430602002001-TM").pk})
    assert hidden.status_code == 400
    assert hidden.json() == {"volunteer": ["No volunteer with this id is visible."]}
    # The team leader sees their team's memberships only, and decides only those.
    leader = api(team_leader)
    assert [row["id"] for row in leader.get(URL).json()["results"]] == [member.pk]
    assert post(leader, f"{URL}{their_member.pk}/approve/").status_code == 404
    assert snapshot() == before


def test_a_registrar_sees_but_does_not_decide(api, registrar: User, org: Org, registered) -> None:
    member = membership(registered(registrar), org)
    before = snapshot()
    response = post(api(registrar), f"{URL}{member.pk}/approve/")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have a role for this organisation."}
    assert snapshot() == before


def test_membership_filters(api, registrar: User, street_admin: User, org: Org, registered) -> None:
    first, second = registered(registrar), registered(registrar)
    one = membership(first, org)
    two = membership(second, org, "430602001-TM")
    services.decide_membership(two, actor=street_admin, approve=True)
    client = api(street_admin)

    def ids(params: dict) -> list[int]:
        return [row["id"] for row in client.get(URL, params).json()["results"]]

    assert ids({}) == [two.pk, one.pk]
    assert ids({"status": "approved"}) == [two.pk]
    assert ids({"team": org(TEAM).pk}) == [one.pk]
    assert ids({"volunteer": second.pk}) == [two.pk]
    bad = client.get(URL, {"status": "maybe"})
    assert bad.status_code == 400
    assert bad.json() == {"status": ['"maybe" is not a valid choice.']}


def test_membership_queries_stay_constant(
    api, registrar: User, street_admin: User, org: Org, django_assert_max_num_queries, registered
) -> None:
    client = api(street_admin)
    membership(registered(registrar), org)
    with django_assert_max_num_queries(6):  # token 2, scope 2, count, page
        client.get(URL)
    for _ in range(15):
        member = membership(registered(registrar), org)
        services.decide_membership(member, actor=street_admin, approve=True)
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.json()["count"] == 16


# --- volunteers' requests --------------------------------------------------------------------


def request_row(found: VolunteerRequest, body: dict) -> dict:
    return {
        "id": found.pk,
        "volunteer": volunteer_ref(found.volunteer),
        "kind": found.kind,
        "message": found.message,
        "status": "open",
        "created_at": body["created_at"],
        "handled_by": None,
        "handled_at": None,
        "response": "",
    }


def test_registrars_see_and_handle_requests(
    api, registrar: User, outsider: User, registered
) -> None:
    volunteer = registered(registrar, name="要注销")
    correction = services.submit_request(volunteer, kind="correction", message="名字写错了")
    cancellation = services.submit_request(volunteer, kind="cancellation", message="")
    registered(outsider, OTHER_STREET)
    client = api(registrar)
    rows = client.get(REQUESTS).json()["results"]
    assert rows == [request_row(cancellation, rows[0]), request_row(correction, rows[1])]
    assert [r["id"] for r in client.get(REQUESTS, {"kind": "correction"}).json()["results"]] == [
        correction.pk
    ]
    response = post(
        client, f"{REQUESTS}{cancellation.pk}/handle/", {"done": True, "response": "已注销"}
    )
    assert response.status_code == 200
    handled = response.json()
    assert (handled["status"], handled["handled_by"], handled["response"]) == (
        "done",
        {"id": registrar.pk, "name": "陈登记"},
        "已注销",
    )
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.cancellation_kind) == ("cancelled", "volunteer_request")
    assert [r["id"] for r in client.get(REQUESTS, {"status": "open"}).json()["results"]] == [
        correction.pk
    ]
    again = post(client, f"{REQUESTS}{cancellation.pk}/handle/", {"done": False})
    assert again.status_code == 400
    assert again.json() == {"detail": ["This request was already handled."]}


def test_others_do_not_see_or_handle_requests(
    api, registrar: User, outsider: User, viewer: User, registered
) -> None:
    volunteer = registered(registrar)
    found = services.submit_request(volunteer, kind="correction", message="电话换了")
    before = [snapshot(), list(VolunteerRequest.objects.values_list("status", flat=True))]
    assert api(outsider).get(REQUESTS).json()["results"] == []
    hidden = post(api(outsider), f"{REQUESTS}{found.pk}/handle/", {"done": True})
    assert hidden.status_code == 404
    denied = post(api(viewer), f"{REQUESTS}{found.pk}/handle/", {"done": True})
    assert denied.status_code == 403
    bad = post(api(registrar), f"{REQUESTS}{found.pk}/handle/", {"response": "x"})
    assert bad.json() == {"done": ["This field is required."]}
    assert [snapshot(), list(VolunteerRequest.objects.values_list("status", flat=True))] == before


def test_request_queries_stay_constant(
    api, registrar: User, django_assert_max_num_queries, registered
) -> None:
    client = api(registrar)
    services.submit_request(registered(registrar), kind="correction", message="改")
    with django_assert_max_num_queries(6):  # token 2, scope 2, count, page
        client.get(REQUESTS)
    for _ in range(15):
        services.submit_request(registered(registrar), kind="cancellation", message="")
    with django_assert_max_num_queries(6):
        response = client.get(REQUESTS)
    assert response.json()["count"] == 16
