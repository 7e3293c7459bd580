"""Account management over the API, seen and done through each role."""

from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from zhiyuan.accounts.models import Role, User
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/"
Org = Callable[[str], Organization]
MY_STREET = {"street_admin", "registrar", "checker", "viewer", "team_leader"}


def usernames(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["username"] for row in response.json()["results"]}


def post(client: Client, url: str, data: object = None):
    return client.post(url, data, content_type="application/json")


def patch(client: Client, url: str, data: object):
    return client.patch(url, data, content_type="application/json")


def snapshot() -> list[tuple]:
    return [
        *User.objects.order_by("pk").values_list("pk", "username", "name", "is_active", "password"),
        *Role.objects.order_by("pk").values_list("pk", "user_id", "organization_id", "kind"),
        ("audit", AuditEntry.objects.count()),
    ]


@pytest.fixture
def two_streets(org: Org) -> User:
    """Someone with a role on each street: each street administrator manages only half."""
    user = User.objects.create_user("both", PASSWORD, name="两街道", mobile="13600000006")
    for code in ("430602001-SC", "430602002-SC"):
        Role.objects.create(user=user, organization=org(code), kind=RoleKind.VIEWER)
    return user


def test_accounts_need_a_log_in(client: Client, registrar: User) -> None:
    before = snapshot()
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}{registrar.pk}/").status_code == 401
    assert post(client, f"{URL}{registrar.pk}/deactivate/").status_code == 401
    assert post(client, URL, {"name": "x"}).status_code == 401
    assert snapshot() == before


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("street_admin", MY_STREET),
        ("outsider", {"outsider"}),
        ("district_admin", {*MY_STREET, "outsider", "district_admin"}),
        ("etdz_admin", {"etdz_admin"}),
        ("city_admin", {*MY_STREET, "outsider", "district_admin", "etdz_admin", "city_admin"}),
        # Only administrators manage accounts.
        ("registrar", set()),
        ("viewer", set()),
        ("team_leader", set()),
        ("nobody", set()),
    ],
)
def test_list_shows_the_accounts_one_manages(api, request, persona: str, expected: set) -> None:
    assert usernames(api(request.getfixturevalue(persona)).get(URL)) == expected


def test_list_rows_mask_the_mobile_and_show_roles_in_scope(
    api, street_admin: User, two_streets: User, org: Org
) -> None:
    rows = api(street_admin).get(URL, {"q": "两街"}).json()["results"]
    street = org("430602001-SC")
    role = two_streets.roles.get(organization=street)
    assert rows == [
        {
            "id": two_streets.pk,
            "username": "both",
            "name": "两街道",
            "mobile": "136****0006",
            "is_active": True,
            "roles": [
                {
                    "id": role.pk,
                    "kind": "viewer",
                    "organization": {
                        "id": street.pk,
                        "name": "岳阳楼街道志愿服务中心",
                        "code": "430602001-SC",
                        "is_active": True,
                    },
                    "granted_at": rows[0]["roles"][0]["granted_at"],
                }
            ],
        }
    ]


def test_search_by_name_username_or_whole_mobile(api, street_admin: User) -> None:
    client = api(street_admin)
    assert usernames(client.get(URL, {"q": "登记"})) == {"registrar"}
    assert usernames(client.get(URL, {"q": "leader"})) == {"team_leader"}
    assert usernames(client.get(URL, {"q": "+86 139 0000 0003"})) == {"street_admin"}
    # The city administrator's mobile is whole and valid, but outside the street's scope.
    assert usernames(client.get(URL, {"q": "13900000001"})) == set()
    response = client.get(URL, {"q": "\x00"})
    assert response.status_code == 400
    assert response.json() == {"q": ["Null characters are not allowed."]}


def test_detail(api, street_admin: User, two_streets: User) -> None:
    body = api(street_admin).get(f"{URL}{two_streets.pk}/").json()
    assert (body["username"], body["mobile"], body["roles_outside"]) == ("both", "136****0006", 1)
    assert [r["organization"]["code"] for r in body["roles"]] == ["430602001-SC"]


@pytest.mark.parametrize("persona", ["outsider", "registrar", "viewer", "etdz_admin"])
def test_accounts_outside_ones_management_answer_404(api, request, persona: str) -> None:
    """Accounts an actor does not manage do not exist for them, whatever they try."""
    client = api(request.getfixturevalue(persona))
    managed = {row["id"] for row in client.get(URL).json()["results"]}
    others = User.objects.exclude(pk__in=managed).exclude(username=persona)
    assert others.count() >= 8
    street = Organization.objects.get(code="430602001-SC")
    before = snapshot()
    for account in others:
        role = account.roles.first()
        calls = [
            client.get(f"{URL}{account.pk}/"),
            patch(client, f"{URL}{account.pk}/", {"name": "改名"}),
            post(client, f"{URL}{account.pk}/invite/"),
            post(client, f"{URL}{account.pk}/deactivate/"),
            post(client, f"{URL}{account.pk}/reactivate/"),
            post(
                client, f"{URL}{account.pk}/roles/", {"organization": street.pk, "kind": "viewer"}
            ),
            client.delete(f"{URL}{account.pk}/roles/{role.pk if role else 1}/"),
        ]
        for response in calls:
            assert response.status_code == 404, (account.username, response.content)
            assert response.json() == {"detail": "Not found."}
    assert snapshot() == before


@pytest.mark.parametrize("url", [f"{URL}abc/", f"{URL}{'9' * 5000}/"])
def test_malformed_ids_are_404(api, street_admin: User, url: str) -> None:
    assert api(street_admin).get(url).status_code == 404


def test_administrator_creates_and_invites_an_account(
    api, street_admin: User, org: Org, outbox, django_capture_on_commit_callbacks
) -> None:
    station = org("430602001002-ST")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            api(street_admin),
            URL,
            {
                "name": "赵新人",
                "username": "zhao.xin",
                "mobile": "137 0000 0009",
                "organization": station.pk,
                "kind": "registrar",
            },
        )
    assert response.status_code == 201, response.content
    body = response.json()
    account = User.objects.get(username="zhao.xin")
    assert (body["id"], body["mobile"], body["roles_outside"]) == (account.pk, "137****0009", 0)
    assert [(r["kind"], r["organization"]["code"]) for r in body["roles"]] == [
        ("registrar", "430602001002-ST")
    ]
    assert body["invitation"]["sms_sent"] is True
    assert body["invitation"]["link"].startswith("http://testserver/accounts/invitation/")
    assert account.mobile == "13700000009"
    assert not account.has_usable_password()
    assert [m.mobile for m in outbox] == ["13700000009"]
    actions = set(
        AuditEntry.objects.filter(origin="api", actor=street_admin).values_list("action", flat=True)
    )
    assert actions == {"account.created", "role.granted", "account.invited"}


def test_create_without_invitation(api, street_admin: User, org: Org) -> None:
    response = post(
        api(street_admin),
        URL,
        {
            "name": "钱静",
            "username": "qian",
            "mobile": "13700000010",
            "organization": org("430602001-SC").pk,
            "kind": "viewer",
            "send_invitation": False,
        },
    )
    assert response.status_code == 201
    assert response.json()["invitation"] is None


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"name": " ", "username": "12345", "mobile": "123"},
            {
                "name": ["Enter the person's name."],
                "username": [
                    "A username cannot be only digits: it could be mistaken for a mobile number."
                ],
                "mobile": ["Enter an 11-digit mainland mobile number, such as 13800138000."],
            },
        ),
        ({"username": "Registrar"}, {"username": ["This username is already taken."]}),
        (
            {"username": "has space"},
            {
                "username": [
                    "A username has 3 to 50 letters, digits or the signs . @ + - _ and no spaces."
                ]
            },
        ),
        ({"kind": "boss"}, {"kind": ['"boss" is not a valid choice.']}),
        (
            {"organization": "other-street"},
            {"organization": ["No active organisation with this id in the area you administer."]},
        ),
        (
            {"organization": "district"},
            {"organization": ["No active organisation with this id in the area you administer."]},
        ),
        (
            {"organization": 0},
            {"organization": ["Ensure this value is greater than or equal to 1."]},
        ),
    ],
)
def test_bad_creations_are_400_and_create_nothing(
    api, street_admin: User, org: Org, changes: dict, errors: dict
) -> None:
    data = {
        "name": "赵新人",
        "username": "zhao.xin",
        "mobile": "13700000009",
        "organization": org("430602001-SC").pk,
        "kind": "viewer",
        **changes,
    }
    named = {"other-street": "430602002-SC", "district": "430602-GC"}
    if data["organization"] in named:
        data["organization"] = org(named[data["organization"]]).pk
    before = snapshot()
    response = post(api(street_admin), URL, data)
    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot() == before


def test_missing_fields_are_400(api, street_admin: User) -> None:
    response = post(api(street_admin), URL, {})
    assert response.status_code == 400
    assert set(response.json()) == {"name", "username", "mobile", "organization", "kind"}


@pytest.mark.parametrize("persona", ["registrar", "viewer", "team_leader", "nobody"])
def test_only_administrators_create_accounts(api, request, org: Org, persona: str) -> None:
    before = snapshot()
    response = post(
        api(request.getfixturevalue(persona)),
        URL,
        {
            "name": "赵新人",
            "username": "zhao.xin",
            "mobile": "13700000009",
            "organization": org("430602001001-TM").pk,
            "kind": "viewer",
        },
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only administrators manage accounts."}
    assert snapshot() == before


def test_update_name_and_mobile(api, street_admin: User, registrar: User) -> None:
    url = f"{URL}{registrar.pk}/"
    response = patch(api(street_admin), url, {"name": "陈登记员", "mobile": "13700000011"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["mobile"]) == ("陈登记员", "137****0011")
    registrar.refresh_from_db()
    assert (registrar.name, registrar.mobile) == ("陈登记员", "13700000011")
    entry = AuditEntry.objects.get(action="account.updated")
    assert entry.data["changed"] == {"name": ["陈登记", "陈登记员"], "mobile": ["", "137****0011"]}
    bad = patch(api(street_admin), url, {"mobile": "555", "name": ""})
    assert bad.status_code == 400
    assert bad.json() == {
        "name": ["Enter the person's name."],
        "mobile": ["Enter an 11-digit mainland mobile number, such as 13800138000."],
    }


def test_partly_managed_account_is_read_only_but_roles_can_be_granted(
    api, street_admin: User, two_streets: User, org: Org
) -> None:
    client = api(street_admin)
    url = f"{URL}{two_streets.pk}/"
    outside = (
        "This account also holds roles outside the area you administer. "
        "Ask an administrator who covers all of its roles."
    )
    before = snapshot()
    for response in (
        patch(client, url, {"name": "改名"}),
        post(client, f"{url}invite/"),
        post(client, f"{url}deactivate/"),
    ):
        assert response.status_code == 403
        assert response.json() == {"detail": outside}
    other_role = two_streets.roles.get(organization=org("430602002-SC"))
    assert client.delete(f"{url}roles/{other_role.pk}/").status_code == 404
    assert snapshot() == before
    station = org("430602001001-ST")
    granted = post(client, f"{url}roles/", {"organization": station.pk, "kind": "checker"})
    assert granted.status_code == 201
    role = Role.objects.get(user=two_streets, organization=station)
    assert granted.json()["id"] == role.pk
    assert client.delete(f"{url}roles/{role.pk}/").status_code == 204
    assert not Role.objects.filter(pk=role.pk).exists()


def test_role_errors(api, street_admin: User, registrar: User, org: Org) -> None:
    client = api(street_admin)
    url = f"{URL}{registrar.pk}/roles/"
    street = org("430602001-SC")
    before = snapshot()
    duplicate = post(client, url, {"organization": street.pk, "kind": "registrar"})
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "kind": ["This person already holds this role on this organisation."]
    }
    above = post(client, url, {"organization": org("430602-GC").pk, "kind": "viewer"})
    assert above.status_code == 400
    assert above.json() == {
        "organization": ["No active organisation with this id in the area you administer."]
    }
    own = street_admin.roles.get()
    last = client.delete(f"{URL}{street_admin.pk}/roles/{own.pk}/")
    assert last.status_code == 403
    assert last.json() == {
        "detail": "This is your last administrator role: revoking it would lock you out."
    }
    assert snapshot() == before


def test_deactivate_and_reactivate(api, street_admin: User, registrar: User) -> None:
    client = api(street_admin)
    victim = api(registrar)
    assert victim.get("/api/v1/me/").status_code == 200
    response = post(client, f"{URL}{registrar.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert victim.get("/api/v1/me/").status_code == 401
    assert post(client, f"{URL}{registrar.pk}/reactivate/").json()["is_active"] is True
    assert victim.get("/api/v1/me/").status_code == 401  # the old token is gone: log in again
    self_harm = post(client, f"{URL}{street_admin.pk}/deactivate/")
    assert self_harm.status_code == 403
    assert self_harm.json() == {"detail": "You cannot deactivate your own account."}
    actions = list(
        AuditEntry.objects.filter(origin="api").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["account.deactivated", "account.reactivated"]


def test_invite_again(api, street_admin: User, viewer: User) -> None:
    response = post(api(street_admin), f"{URL}{viewer.pk}/invite/")
    assert response.status_code == 200
    assert response.json()["sms_sent"] is False  # the viewer has no mobile
    assert response.json()["link"].startswith("http://testserver/accounts/invitation/")
    User.objects.filter(pk=viewer.pk).update(is_active=False)
    inactive = post(api(street_admin), f"{URL}{viewer.pk}/invite/")
    assert inactive.status_code == 400
    assert inactive.json() == {"detail": ["This account is deactivated. Reactivate it first."]}


def test_list_queries_stay_constant(
    api, street_admin: User, org: Org, django_assert_max_num_queries
) -> None:
    client = api(street_admin)
    with django_assert_max_num_queries(7):  # token 2, scope 2, count, page, roles
        client.get(URL)
    station = org("430602001001-ST")
    for n in range(40):
        user = User.objects.create_user(f"extra{n}", None, name=f"多{n}")
        Role.objects.create(user=user, organization=station, kind=RoleKind.VIEWER)
        Role.objects.create(user=user, organization=station, kind=RoleKind.CHECKER)
    with django_assert_max_num_queries(7):
        response = client.get(URL)
    assert response.json()["count"] == 45
