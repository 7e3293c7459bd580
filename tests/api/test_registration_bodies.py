"""Registration bodies and their delegations over the API."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils.dateparse import parse_datetime

from tests.api.registrations import post
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import services
from zhiyuan.volunteers.models import Delegation, RegistrationBody

pytestmark = pytest.mark.django_db

URL = "/api/v1/registration-bodies/"
Org = Callable[[str], Organization]
Body = Callable[[str], RegistrationBody]


def state() -> list[tuple]:
    return [
        *RegistrationBody.objects.order_by("pk").values_list("pk", "code", "organization"),
        *Delegation.objects.order_by("pk").values_list("pk", "organization", "revoked_at"),
        ("audit", AuditEntry.objects.count()),
    ]


def org_ref(org: Org, code: str) -> dict:
    found = org(code)
    return {"id": found.pk, "code": found.code, "name": found.name}


def test_bodies_need_a_log_in(client: Client, body: Body) -> None:
    mine = body("430602001-SC")
    for url in (URL, f"{URL}{mine.pk}/", f"{URL}{mine.pk}/delegations/"):
        assert client.get(url).status_code == 401
    assert post(client, URL, {"organization": 1, "code": "X1"}).status_code == 401


def test_list_and_detail(api, street_admin: User, body: Body, org: Org) -> None:
    client = api(street_admin)
    mine = body("430602001-SC")
    listed = client.get(URL).json()
    row = {
        "id": mine.pk,
        "code": "4306003",
        "organization": org_ref(org, "430602001-SC"),
        "is_active": True,
        "designated_at": listed["results"][0]["designated_at"],
    }
    assert listed == {"count": 1, "next": None, "previous": None, "results": [row]}
    assert parse_datetime(row["designated_at"]) == mine.designated_at
    assert client.get(f"{URL}{mine.pk}/").json() == row


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("city_admin", [f"430600{n}" for n in range(1, 9)]),
        ("district_admin", ["4306002", "4306003", "4306004"]),
        ("registrar", ["4306003"]),
        ("outsider", ["4306004"]),
        ("team_leader", []),
        ("nobody", []),
    ],
)
def test_list_shows_the_roles_subtrees_only(api, request, persona: str, codes: list[str]) -> None:
    response = api(request.getfixturevalue(persona)).get(URL)
    assert [row["code"] for row in response.json()["results"]] == codes


def test_other_streets_bodies_answer_404_and_change_nothing(
    api, outsider: User, body: Body, org: Org
) -> None:
    client = api(outsider)
    mine = body("430602001-SC")
    delegation = Delegation.objects.get(body=mine)
    before = state()
    for url in (f"{URL}{mine.pk}/", f"{URL}{mine.pk}/delegations/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    grant = {"organization": org("430602001002-ST").pk}
    assert post(client, f"{URL}{mine.pk}/delegations/", grant).status_code == 404
    assert post(client, f"/api/v1/delegations/{delegation.pk}/revoke/").status_code == 404
    designate = post(client, URL, {"organization": org("430602001-TM").pk, "code": "YYL01"})
    assert designate.status_code == 400
    assert designate.json() == {"organization": ["No organisation with this id is visible."]}
    assert state() == before


def test_designating_a_body(api, street_admin: User, registrar: User, org: Org) -> None:
    team = org("430602001-TM")
    data = {"organization": team.pk, "code": "yyl01"}
    before = state()
    denied = post(api(registrar), URL, data)
    assert denied.status_code == 403
    assert denied.json() == {"detail": "You do not have a role for this organisation."}
    bad = post(api(street_admin), URL, {**data, "code": "4306"})
    assert bad.status_code == 400
    assert bad.json() == {
        "code": ["Code 4306001 is taken or starts the same way; numbers would clash."]
    }
    station = post(
        api(street_admin), URL, {"organization": org("430602001001-ST").pk, "code": "Z9"}
    )
    assert station.json() == {
        "organization": ["Registration bodies are associations, centres, units or teams."]
    }
    assert state() == before
    response = post(api(street_admin), URL, data)
    assert response.status_code == 201
    created = RegistrationBody.objects.get(organization=team)
    assert response.json() == {
        "id": created.pk,
        "code": "YYL01",
        "organization": org_ref(org, "430602001-TM"),
        "is_active": True,
        "designated_at": response.json()["designated_at"],
    }
    assert created.designated_by == street_admin


def test_delegations(api, street_admin: User, body: Body, org: Org) -> None:
    mine = body("430602001-SC")
    existing = Delegation.objects.get(body=mine)
    client = api(street_admin)
    url = f"{URL}{mine.pk}/delegations/"
    response = post(client, url, {"organization": org("430602001002-ST").pk, "note": "协议 2026-7"})
    assert response.status_code == 201
    granted = response.json()
    assert granted == {
        "id": granted["id"],
        "body": mine.pk,
        "organization": org_ref(org, "430602001002-ST"),
        "note": "协议 2026-7",
        "granted_at": granted["granted_at"],
        "granted_by": {"id": street_admin.pk, "name": "王街道"},
        "revoked_at": None,
        "revoked_by": None,
        "is_live": True,
    }
    revoked = post(client, f"/api/v1/delegations/{existing.pk}/revoke/")
    assert revoked.status_code == 200
    assert (revoked.json()["is_live"], revoked.json()["revoked_by"]) == (
        False,
        {"id": street_admin.pk, "name": "王街道"},
    )
    again = post(client, f"/api/v1/delegations/{existing.pk}/revoke/")
    assert again.status_code == 400
    assert again.json() == {"detail": ["This consent was already revoked."]}
    listed = client.get(url).json()["results"]
    assert [(row["organization"]["code"], row["is_live"]) for row in listed] == [
        ("430602001002-ST", True),
        ("430602001001-ST", False),
    ]


def test_delegation_rules_and_roles(
    api, street_admin: User, registrar: User, body: Body, org: Org
) -> None:
    mine = body("430602001-SC")
    url = f"{URL}{mine.pk}/delegations/"
    before = state()
    denied = post(api(registrar), url, {"organization": org("430602001002-ST").pk})
    assert denied.status_code == 403
    existing = Delegation.objects.get(body=mine)
    assert post(api(registrar), f"/api/v1/delegations/{existing.pk}/revoke/").status_code == 403
    client = api(street_admin)
    twice = post(client, url, {"organization": org("430602001001-ST").pk})
    assert twice.json() == {"organization": ["This organisation already has consent."]}
    far = post(client, url, {"organization": org("430603001002-ST").pk})
    assert far.json() == {"organization": ["Choose an organisation in the body's own area."]}
    missing = post(client, url, {"organization": 2**62})
    assert missing.json() == {"organization": ["No organisation has this id."]}
    assert state() == before


def test_list_queries_stay_constant(
    api, city_admin: User, street_admin: User, body: Body, org: Org, django_assert_max_num_queries
) -> None:
    client = api(city_admin)
    with django_assert_max_num_queries(6):  # token 2, scope 2, count, page
        assert len(client.get(URL).json()["results"]) == 8
    mine = body("430602001-SC")
    with django_assert_max_num_queries(7):  # token 2, scope 2, body, count, page
        client.get(f"{URL}{mine.pk}/delegations/")
    district = org("430602-GC")
    teams = Organization.objects.filter(path__startswith=district.path, kind="service_team")
    for team in teams:
        services.grant_delegation(mine, team, actor=street_admin)
    with django_assert_max_num_queries(7):
        response = client.get(f"{URL}{mine.pk}/delegations/")
    assert response.json()["count"] == 1 + len(teams) == 7
