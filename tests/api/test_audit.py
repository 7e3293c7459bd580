"""GET /api/v1/audit/: entries of the subtrees the user administers, and nothing else."""

from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from zhiyuan.accounts.models import User
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


@pytest.fixture
def entries(org, city_admin: User) -> dict[str, AuditEntry]:
    """One change in each street, one in the district above, one with no organisation."""
    AuditEntry.objects.all().delete()
    mine, other, district = org("430602001001-ST"), org("430602002001-ST"), org("430602-GC")
    return {
        "mine": log_action(city_admin, "organization.updated", mine, organization=mine),
        "other": log_action(city_admin, "organization.updated", other, organization=other),
        "district": log_action(city_admin, "organization.created", district, organization=district),
        "nowhere": log_action(None, "system.started", district),
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_audit_needs_a_log_in(client: Client, entries) -> None:
    assert client.get(URL).status_code == 401


def test_administrator_sees_own_subtree_only(api, street_admin: User, entries, org) -> None:
    response = api(street_admin).get(URL)
    assert ids(response) == [entries["mine"].pk]
    mine = entries["mine"]
    assert response.json()["results"][0] == {
        "id": mine.pk,
        "created_at": response.json()["results"][0]["created_at"],
        "actor": {"id": mine.actor.pk, "name": "周文明"},
        "action": "organization.updated",
        "object_type": "organizations.organization",
        "object_id": str(org("430602001001-ST").pk),
        "object_repr": "郭亮社区志愿服务站",
        "object_label": "郭亮社区志愿服务站 (430602001001-ST)",
        "object_url": f"http://testserver/organizations/{org('430602001001-ST').pk}/",
        "organization": org("430602001001-ST").pk,
        "data": {},
        "description": "",
        "origin": "system",
    }


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("outsider", ["other"]),
        ("district_admin", ["district", "other", "mine"]),
        ("city_admin", ["district", "other", "mine"]),
        # Other roles on the same street see no audit entries at all.
        ("registrar", []),
        ("viewer", []),
        ("team_leader", []),
        ("nobody", []),
    ],
)
def test_audit_scope_per_role(api, request, entries, persona: str, visible: list[str]) -> None:
    client = api(request.getfixturevalue(persona))
    assert ids(client.get(URL)) == [entries[name].pk for name in visible]


def test_staff_see_everything(api, staff: User, entries) -> None:
    expected = [entries[n].pk for n in ("nowhere", "district", "other", "mine")]
    assert ids(api(staff).get(URL)) == expected


def test_action_prefix_filter(api, district_admin: User, entries) -> None:
    client = api(district_admin)
    assert ids(client.get(URL, {"action": "organization.created"})) == [entries["district"].pk]
    assert ids(client.get(URL, {"action": "organization."})) == [
        entries["district"].pk,
        entries["other"].pk,
        entries["mine"].pk,
    ]
    assert ids(client.get(URL, {"action": "volunteer"})) == []


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"action": "a" * 101}, {"action": ["Ensure this field has no more than 100 characters."]}),
        ({"action": "\x00"}, {"action": ["Null characters are not allowed."]}),
        ({"offset": "x"}, {"offset": ["Enter a whole number from 0 to 1000000000."]}),
    ],
)
def test_bad_filters_are_400(api, district_admin: User, params: dict, errors: dict) -> None:
    response = api(district_admin).get(URL, params)
    assert response.status_code == 400
    assert response.json() == errors


def test_audit_queries_stay_constant(
    api, district_admin: User, city_admin: User, org, django_assert_max_num_queries
) -> None:
    client = api(district_admin)
    # token 2, scope 2, count, page; naming the page's organisations: the reader's scope over
    # every role (roles, inactive nodes, delegations, bodies) 4, the organisations 1
    with django_assert_max_num_queries(11):
        client.get(URL)
    stations = Organization.objects.filter(kind="service_station", code__startswith="430602")
    log_actions(
        city_admin,
        [Change("organization.updated", s, organization=s) for s in stations for _ in range(20)],
    )
    with django_assert_max_num_queries(11):
        response = client.get(URL)
    assert len(response.json()["results"]) == 50


def test_filters_by_dates_actor_and_organisation(
    api, district_admin: User, city_admin: User, street_admin: User, entries, org
) -> None:
    client = api(district_admin)
    AuditEntry.objects.filter(pk=entries["district"].pk).update(
        created_at=datetime(2026, 3, 1, 10, tzinfo=timezone.get_current_timezone())
    )
    by_street_admin = log_action(
        street_admin, "organization.updated", org("430602001-SC"), organization=org("430602001-SC")
    )
    assert ids(client.get(URL, {"until": "2026-03-01"})) == [entries["district"].pk]
    assert ids(client.get(URL, {"since": "2026-03-02", "actor": street_admin.pk})) == [
        by_street_admin.pk
    ]
    street = org("430602001-SC").pk
    assert ids(client.get(URL, {"organization": street})) == [
        by_street_admin.pk,
        entries["mine"].pk,
    ]
    hidden = api(street_admin).get(URL, {"organization": org("430602002-SC").pk})
    assert (hidden.status_code, hidden.json()) == (
        400,
        {"organization": ["No organisation with this id is administered by you."]},
    )
    bad = client.get(URL, {"since": "yesterday"})
    assert bad.status_code == 400
    assert list(bad.json()) == ["since"]


def test_an_object_outside_the_scope_is_named_by_its_kind_only(
    api, street_admin: User, city_admin: User, org
) -> None:
    AuditEntry.objects.all().delete()
    theirs = org("430602002001-ST")
    entry = log_action(city_admin, "organization.updated", theirs, organization=org("430602001-SC"))
    (row,) = api(street_admin).get(URL, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert (row["id"], row["object_label"], row["object_url"]) == (
        entry.pk,
        f"Organisation #{theirs.pk}",
        None,
    )


@pytest.mark.parametrize("value", ["²", "9" * 30, "9223372036854775808", "1e5"])
def test_the_apis_audit_filter_refuses_what_is_no_id(api, street_admin: User, value: str) -> None:
    client = api(street_admin)
    client.raise_request_exception = False
    for name in ("actor", "organization"):
        assert client.get("/api/v1/audit/", {name: value}).status_code == 400
