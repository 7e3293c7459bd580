"""The organisation tree over the API, seen and changed through each role."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils.dateparse import parse_datetime

from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations/"
Org = Callable[[str], Organization]

MY_STREET = [
    "430602001-SC",
    "430602001-TM",
    "430602001001-ST",
    "430602001001-TM",
    "430602001002-ST",
    "430602001002-TM",
]
OTHER_STREET = [code.replace("430602001", "430602002") for code in MY_STREET]
ETDZ = [
    "YYETDZ-GC",
    "YYETDZ-VA",
    "YYETDZ-GT",
    *(code.replace("430602001", "430602402") for code in MY_STREET),
]


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def patch(client: Client, url: str, data: object):
    return client.patch(url, data, content_type="application/json")


def post(client: Client, url: str, data: object = None):
    return client.post(url, data, content_type="application/json")


def snapshot() -> list[tuple]:
    """Everything a write could touch: the organisations and the audit log."""
    return [
        *Organization.objects.order_by("pk").values_list(
            "pk", "code", "name", "kind", "level", "contact_phone", "is_active", "path"
        ),
        ("audit", AuditEntry.objects.count()),
    ]


# --- reading ---------------------------------------------------------------------------------


def test_organisations_need_a_log_in(client: Client, org: Org) -> None:
    station = org("430602001001-ST").pk
    before = snapshot()
    for url in (URL, f"{URL}{station}/", f"{URL}{station}/children/", f"{URL}tree/"):
        assert client.get(url).status_code == 401
    assert patch(client, f"{URL}{station}/", {"name": "x"}).status_code == 401
    assert post(client, f"{URL}{station}/deactivate/").status_code == 401
    assert post(client, f"{URL}{station}/children/", {"code": "X"}).status_code == 401
    assert snapshot() == before


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("street_admin", MY_STREET),
        ("registrar", MY_STREET),
        ("checker", MY_STREET),
        ("viewer", MY_STREET),
        ("team_leader", ["430602001001-TM"]),
        ("outsider", OTHER_STREET),
        ("etdz_admin", ETDZ),
        ("nobody", []),
    ],
)
def test_list_shows_the_roles_subtrees_only(
    api, request, persona: str, expected: list[str]
) -> None:
    client = api(request.getfixturevalue(persona))
    assert codes(client.get(URL)) == expected
    # Searches are scoped too: every station matches the name, only ours come back.
    stations = [code for code in expected if code.endswith("-ST")]
    assert codes(client.get(URL, {"q": "志愿服务站"})) == stations


def test_city_admin_sees_the_whole_city(api, city_admin: User) -> None:
    response = api(city_admin).get(URL, {"limit": 200})
    assert response.json()["count"] == Organization.objects.count() == 36


def test_list_rows(api, street_admin: User, org: Org) -> None:
    rows = api(street_admin).get(URL, {"limit": 2}).json()["results"]
    assert rows == [
        {
            "id": org("430602001-SC").pk,
            "code": "430602001-SC",
            "name": "岳阳楼街道志愿服务中心",
            "kind": "service_centre",
            "level": 4,
            "specialty": "",
            "parent": None,  # the district above lies outside the street's scope
            "is_management_area": False,
            "is_active": True,
        },
        {
            "id": org("430602001-TM").pk,
            "code": "430602001-TM",
            "name": "岳阳楼街道志愿服务队",
            "kind": "service_team",
            "level": 4,
            "specialty": "",
            "parent": org("430602001-SC").pk,
            "is_management_area": False,
            "is_active": True,
        },
    ]


def test_list_filters(api, district_admin: User, org: Org) -> None:
    client = api(district_admin)
    street = org("430602001-SC").pk
    assert codes(client.get(URL, {"kind": "service_centre"})) == [
        "430602001-SC",
        "430602002-SC",
    ]
    assert codes(client.get(URL, {"level": 3})) == ["430602-GC", "430602-VA", "430602-GT"]
    assert codes(client.get(URL, {"parent": street})) == [
        "430602001-TM",
        "430602001001-ST",
        "430602001002-ST",
    ]
    assert codes(client.get(URL, {"parent": street, "kind": "service_station"})) == [
        "430602001001-ST",
        "430602001002-ST",
    ]
    # Digits: organisation code or jurisdiction division code prefix.
    assert codes(client.get(URL, {"q": "430602002001"})) == [
        "430602002001-ST",
        "430602002001-TM",
    ]
    assert codes(client.get(URL, {"q": "郭亮", "level": 5})) == [
        "430602001001-ST",
        "430602001001-TM",
    ]


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"kind": "club"}, {"kind": ['"club" is not a valid choice.']}),
        ({"level": "1"}, {"level": ['"1" is not a valid choice.']}),
        ({"parent": "abc"}, {"parent": ["A valid integer is required."]}),
        ({"parent": "0"}, {"parent": ["Ensure this value is greater than or equal to 1."]}),
        ({"q": "\x00"}, {"q": ["Null characters are not allowed."]}),
        ({"limit": "201"}, {"limit": ["Enter a whole number from 1 to 200."]}),
    ],
)
def test_bad_filters_are_400(api, street_admin: User, params: dict, errors: dict) -> None:
    response = api(street_admin).get(URL, params)
    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize("code", ["430602002-SC", "430602-GC", "999999999"])
def test_parent_filter_outside_the_scope_is_400(
    api, street_admin: User, org: Org, code: str
) -> None:
    parent = org(code).pk if code != "999999999" else 999999999
    response = api(street_admin).get(URL, {"parent": parent})
    assert response.status_code == 400
    assert response.json() == {"parent": ["No organisation with this id is visible."]}


def test_detail(api, street_admin: User, org: Org) -> None:
    station = org("430602001001-ST")
    station.contact_phone = "13800138000"
    station.responsible_person = "王站长"
    station.save()
    station.refresh_from_db()
    body = api(street_admin).get(f"{URL}{station.pk}/").json()
    assert body == {
        "id": station.pk,
        "code": "430602001001-ST",
        "name": "郭亮社区志愿服务站",
        "kind": "service_station",
        "level": 5,
        "specialty": "",
        "parent": org("430602001-SC").pk,
        "is_management_area": False,
        "is_active": True,
        "counts": {"city": 0, "district": 0, "street": 0, "community": 2},
        "unit_category": "",
        "credit_code": "",
        "station_type": "community",
        "address": "",
        "responsible_department": "",
        "responsible_person": "王站长",
        "contact_phone": "138****8000",
        "jurisdiction": ["430602001001"],
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert parse_datetime(body["created_at"]) == station.created_at
    assert parse_datetime(body["updated_at"]) == station.updated_at


def test_management_area_detail(api, etdz_admin: User, org: Org) -> None:
    area = org("YYETDZ-GC")
    body = api(etdz_admin).get(f"{URL}{area.pk}/").json()
    assert body["is_management_area"] is True
    assert body["jurisdiction"] == ["430602402000"]
    assert body["counts"] == {"city": 0, "district": 3, "street": 2, "community": 4}
    assert body["parent"] is None


def test_children_with_counts(api, street_admin: User, org: Org) -> None:
    street = org("430602001-SC")
    body = api(street_admin).get(f"{URL}{street.pk}/children/").json()
    assert body["count"] == 3
    assert [(row["code"], row["parent"], row["counts"]) for row in body["results"]] == [
        ("430602001-TM", street.pk, {"city": 0, "district": 0, "street": 1, "community": 0}),
        ("430602001001-ST", street.pk, {"city": 0, "district": 0, "street": 0, "community": 2}),
        ("430602001002-ST", street.pk, {"city": 0, "district": 0, "street": 0, "community": 2}),
    ]


def test_tree(api, street_admin: User, city_admin: User, nobody: User, org: Org) -> None:
    street = api(street_admin).get(f"{URL}tree/").json()
    mine = {"city": 0, "district": 0, "street": 2, "community": 4}
    assert street["totals"] == mine
    assert [(r["code"], r["parent"], r["counts"]) for r in street["roots"]] == [
        ("430602001-SC", None, mine)
    ]
    city = api(city_admin).get(f"{URL}tree/").json()
    whole = {"city": 3, "district": 9, "street": 8, "community": 16}
    assert city["totals"] == whole
    assert [(r["code"], r["counts"]) for r in city["roots"]] == [("4306-GC", whole)]
    empty = api(nobody).get(f"{URL}tree/").json()
    assert empty == {"totals": {"city": 0, "district": 0, "street": 0, "community": 0}, "roots": []}


@pytest.mark.parametrize("persona", ["street_admin", "viewer", "outsider", "team_leader"])
def test_out_of_scope_objects_answer_404(api, request, org: Org, persona: str) -> None:
    """Whatever the role, organisations outside its subtrees do not exist for it."""
    user = request.getfixturevalue(persona)
    client = api(user)
    visible = {row["code"] for row in client.get(URL, {"limit": 200}).json()["results"]}
    hidden = Organization.objects.exclude(code__in=visible).order_by("path")
    assert hidden.count() >= 30
    before = snapshot()
    for other in hidden:
        for url in (f"{URL}{other.pk}/", f"{URL}{other.pk}/children/"):
            response = client.get(url)
            assert response.status_code == 404, (url, other.code)
            assert response.json() == {"detail": "Not found."}
        assert patch(client, f"{URL}{other.pk}/", {"name": "占领"}).status_code == 404
        assert post(client, f"{URL}{other.pk}/deactivate/").status_code == 404
        assert post(client, f"{URL}{other.pk}/activate/").status_code == 404
        new_child = {"code": "NEW-1", "name": "新队", "kind": "service_team"}
        assert post(client, f"{URL}{other.pk}/children/", new_child).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    "url", [f"{URL}abc/", f"{URL}99999999999999999999/", f"{URL}{'9' * 5000}/", f"{URL}1/x/"]
)
def test_malformed_ids_are_json_404s(api, street_admin: User, url: str) -> None:
    response = api(street_admin).get(url)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_list_queries_stay_constant(
    api, city_admin: User, org: Org, django_assert_max_num_queries
) -> None:
    client = api(city_admin)
    street = org("430602001-SC")
    urls = {
        URL: 6,  # token 2, the user's scope, count, page, visible parents
        f"{URL}?q=社区": 6,
        f"{URL}{street.pk}/children/": 8,  # and the node, the counts
        f"{URL}tree/": 7,  # token 2, scope, roots, their counts, parents, totals
    }
    for url, queries in urls.items():
        with django_assert_max_num_queries(queries):
            assert client.get(url).status_code == 200
    for n in range(60):
        street.refresh_from_db()
        Organization.objects.add_child(
            street,
            instance=Organization(code=f"NEW-{n}", name=f"新队{n}", kind="service_team", level=5),
        )
    for url, queries in urls.items():
        with django_assert_max_num_queries(queries):
            assert client.get(url).status_code == 200


# --- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["registrar", "checker", "viewer", "team_leader"])
def test_roles_below_administrator_cannot_write(api, request, org: Org, persona: str) -> None:
    client = api(request.getfixturevalue(persona))
    station = org("430602001001-TM") if persona == "team_leader" else org("430602001001-ST")
    assert client.get(f"{URL}{station.pk}/").status_code == 200
    before = snapshot()
    denied = {"detail": "Only administrators of this organisation or one above it may change it."}
    calls = [
        patch(client, f"{URL}{station.pk}/", {"name": "改名"}),
        post(client, f"{URL}{station.pk}/deactivate/"),
        post(client, f"{URL}{station.pk}/activate/"),
        post(
            client,
            f"{URL}{station.pk}/children/",
            {"code": "NEW-1", "name": "新队", "kind": "service_team"},
        ),
    ]
    for response in calls:
        assert response.status_code == 403
        assert response.json() == denied
    assert snapshot() == before


def test_administrator_updates_an_organisation(api, street_admin: User, org: Org) -> None:
    station = org("430602001001-ST")
    response = patch(
        api(street_admin),
        f"{URL}{station.pk}/",
        {
            "name": "郭亮社区新时代文明实践站",
            "contact_phone": "+86 138-0013-8000",
            "address": "郭亮路1号",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["contact_phone"], body["address"]) == (
        "郭亮社区新时代文明实践站",
        "138****8000",
        "郭亮路1号",
    )
    station.refresh_from_db()
    assert (station.name, station.contact_phone, station.address) == (
        "郭亮社区新时代文明实践站",
        "13800138000",
        "郭亮路1号",
    )
    entry = AuditEntry.objects.get(action="organization.updated", object_id=str(station.pk))
    assert (entry.actor, entry.origin, entry.organization) == (street_admin, "api", station)
    assert entry.data == {
        "changed": {
            "name": ["郭亮社区志愿服务站", "郭亮社区新时代文明实践站"],
            "contact_phone": ["***", "***"],
            "address": ["", "郭亮路1号"],
        }
    }


def test_administrator_above_may_update(api, city_admin: User, org: Org) -> None:
    station = org("430602001001-ST")
    response = patch(api(city_admin), f"{URL}{station.pk}/", {"address": "郭亮路1号"})
    assert response.status_code == 200
    assert response.json()["address"] == "郭亮路1号"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"contact_phone": "12345"},
            {"contact_phone": ["Enter an 11-digit mainland mobile number, such as 13800138000."]},
        ),
        (
            {"kind": "work_unit"},
            {
                "unit_category": [
                    "A work unit needs a category (it sets its registration target)."
                ],
                "station_type": None,
            },
        ),
        ({"level": 3}, {"level": ["An organisation cannot be at a higher level than its parent."]}),
        ({"level": 9}, {"level": ['"9" is not a valid choice.']}),
        ({"specialty": "culture"}, {"specialty": ["Only service teams have a specialty."]}),
        (
            {"credit_code": "911100006000373410"},
            {
                "credit_code": [
                    "The last character does not match the other 17, so one of them is probably "
                    "mistyped. Check each character against the business licence or registration "
                    "certificate."
                ]
            },
        ),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
        ({"name": "x" * 201}, {"name": ["Ensure this field has no more than 200 characters."]}),
        ({"station_type": "castle"}, {"station_type": ['"castle" is not a valid choice.']}),
        ([1, 2], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    ],
)
def test_bad_updates_are_400_and_change_nothing(
    api, street_admin: User, org: Org, data: object, errors: dict
) -> None:
    station = org("430602001001-ST")
    before = snapshot()
    response = patch(api(street_admin), f"{URL}{station.pk}/", data)
    assert response.status_code == 400
    body = response.json()
    for field, messages in errors.items():
        if messages is None:
            assert field not in body
        else:
            assert body[field] == messages
    assert snapshot() == before


def test_administrator_creates_a_child(api, street_admin: User, org: Org) -> None:
    community = org("430602001001-ST")
    response = post(
        api(street_admin),
        f"{URL}{community.pk}/children/",
        {
            "code": "430602001001-TM2",
            "name": "郭亮社区文艺志愿服务队",
            "kind": "service_team",
            "specialty": "culture",
            "contact_phone": "13800138001",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    created = Organization.objects.get(code="430602001001-TM2")
    assert (body["id"], body["parent"], body["level"], body["contact_phone"]) == (
        created.pk,
        community.pk,
        5,
        "138****8001",
    )
    assert body["jurisdiction"] == ["430602001001"]
    assert Organization.objects.get_parent(created) == community
    assert created.contact_phone == "13800138001"
    entry = AuditEntry.objects.get(action="organization.created", object_id=str(created.pk))
    assert (entry.actor, entry.origin) == (street_admin, "api")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {},
            {
                "code": ["This field is required."],
                "name": ["This field is required."],
                "kind": ["This field is required."],
            },
        ),
        (
            {"code": "430602001-TM", "name": "重复", "kind": "service_team"},
            {"code": ["This organisation code is already in use."]},
        ),
        (
            {"code": "新 队", "name": "新队", "kind": "service_team"},
            {"code": ["Use only letters, digits and dashes."]},
        ),
        (
            {"code": "NEW-1", "name": "新站", "kind": "service_station"},
            {"station_type": ["A service station needs a station type."]},
        ),
        (
            {"code": "NEW-1", "name": "新协会", "kind": "volunteer_association", "level": 2},
            {"level": ["An organisation cannot be at a higher level than its parent."]},
        ),
    ],
)
def test_bad_creations_are_400_and_create_nothing(
    api, street_admin: User, org: Org, data: dict, errors: dict
) -> None:
    street = org("430602001-SC")
    before = snapshot()
    response = post(api(street_admin), f"{URL}{street.pk}/children/", data)
    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot() == before


def test_deactivating_ones_own_organisation_is_403(api, street_admin: User, org: Org) -> None:
    centre = org("430602001-SC")
    response = post(api(street_admin), f"{URL}{centre.pk}/deactivate/")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only an administrator of an organisation above this one may deactivate it: "
        "you would lose access to it yourself."
    }
    centre.refresh_from_db()
    assert centre.is_active


def test_deactivate_and_reactivate(api, street_admin: User, org: Org) -> None:
    client = api(street_admin)
    station = org("430602001002-ST")
    response = post(client, f"{URL}{station.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert post(client, f"{URL}{station.pk}/deactivate/").status_code == 200  # no-op
    # Still in the administrator's tree, marked inactive.
    assert client.get(f"{URL}{station.pk}/").json()["is_active"] is False
    assert post(client, f"{URL}{station.pk}/activate/").json()["is_active"] is True
    actions = list(
        AuditEntry.objects.filter(object_id=str(station.pk), origin="api")
        .order_by("id")
        .values_list("action", "origin")
    )
    assert actions == [("organization.deactivated", "api"), ("organization.reactivated", "api")]
