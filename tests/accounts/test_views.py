"""The account pages, seen through each persona: what is listed, what answers 404 or 403,
and that refused actions write nothing."""

import re
from collections.abc import Callable
from urllib.parse import unquote

import pytest
from django.test import Client

from zhiyuan.accounts import services
from zhiyuan.accounts.models import Role, User
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
Org = Callable[[str], Organization]
ROLE_KINDS = list(RoleKind.values)


def _other_street_person(kind: str, staff: User) -> User:
    """Someone holding `kind` only in 三眼桥街道, the street beside street_admin's."""
    station = Organization.objects.get(code="430602002001-ST")
    return services.create_account(
        actor=staff,
        name="何外街",
        username=f"other_{kind}",
        mobile="13966667777",
        organization=station,
        kind=kind,
    )


def _member_urls(user: User, role: Role | None = None) -> list[tuple[str, str]]:
    base = f"/accounts/users/{user.pk}/"
    urls = [
        ("get", base),
        ("get", base + "edit/"),
        ("post", base + "edit/"),
        ("post", base + "invite/"),
        ("post", base + "active/"),
        ("post", base + "roles/"),
    ]
    if role is not None:
        urls.append(("post", f"{base}roles/{role.pk}/revoke/"))
    return urls


# --- the list -------------------------------------------------------------------------------


def test_users_requires_log_in(client: Client) -> None:
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/users/"


def test_nav_links_to_accounts_for_everybody_logged_in(en_login: Login, viewer: User) -> None:
    page = en_login(viewer).get("/organizations/").content.decode()
    assert '<a href="/accounts/users/" >Accounts</a>' in page
    users_page = en_login(viewer).get("/accounts/users/").content.decode()
    assert '<a href="/accounts/users/" aria-current="page">Accounts</a>' in users_page


def test_street_admin_lists_their_streets_people(en_login: Login, street_admin: User) -> None:
    page = en_login(street_admin).get("/accounts/users/").content.decode()
    for name in ("王街道", "陈登记", "吴核查", "郑查看", "刘队长"):
        assert name in page
    for name in ("孙三眼", "李区管", "周文明", "赵开发", "平台", "无角色"):
        assert name not in page
    assert "5 accounts" in page
    assert "139****0003" in page  # masked mobile
    assert "13900000003" not in page


@pytest.mark.parametrize("persona", ["registrar", "checker", "viewer", "team_leader", "nobody"])
def test_non_administrators_get_an_explanation(persona: str, en_login: Login, request) -> None:
    response = en_login(request.getfixturevalue(persona)).get("/accounts/users/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "You do not administer any organisation." in page
    main = page.split('<main id="main"', 1)[1]
    for name in ("王街道", "陈登记", "吴核查", "郑查看", "刘队长"):
        assert name not in main
    assert 'href="/accounts/users/new/"' not in page


def test_district_admin_sees_the_district_not_the_management_area(
    en_login: Login, district_admin: User
) -> None:
    page = en_login(district_admin).get("/accounts/users/").content.decode()
    assert "孙三眼" in page and "王街道" in page and "李区管" in page
    assert "赵开发" not in page and "周文明" not in page


@pytest.mark.parametrize("kind", ROLE_KINDS)
def test_account_outside_the_subtree_is_invisible_and_404(
    kind: str, en_login: Login, street_admin: User, staff: User
) -> None:
    stranger = _other_street_person(kind, staff)
    client = en_login(street_admin)
    page = client.get("/accounts/users/").content.decode()
    assert "何外街" not in page and f"other_{kind}" not in page
    for query in ("何外街", f"other_{kind}", "13966667777", "139 6666 7777", "外街"):
        found = client.get("/accounts/users/", {"q": query}).content.decode()
        assert f"/accounts/users/{stranger.pk}/" not in found, query
        assert "<td>139****7777</td>" not in found
        assert "0 accounts" in found
    role = stranger.roles.get()
    before = AuditEntry.objects.count()
    for method, url in _member_urls(stranger, role):
        assert getattr(client, method)(url).status_code == 404, url
    assert AuditEntry.objects.count() == before
    stranger.refresh_from_db()
    assert stranger.is_active
    assert stranger.roles.count() == 1


@pytest.mark.parametrize("kind", ROLE_KINDS)
def test_the_other_street_admin_sees_it(
    kind: str, en_login: Login, outsider: User, staff: User
) -> None:
    stranger = _other_street_person(kind, staff)
    client = en_login(outsider)
    assert "何外街" in client.get("/accounts/users/", {"q": "13966667777"}).content.decode()
    assert client.get(f"/accounts/users/{stranger.pk}/").status_code == 200
    # ... and street_admin's people are, for outsider, the strangers
    registrar = User.objects.get(username="registrar")
    assert "陈登记" not in client.get("/accounts/users/", {"q": "陈"}).content.decode()
    for method, url in _member_urls(registrar, registrar.roles.get()):
        assert getattr(client, method)(url).status_code == 404, url


def test_search_by_name_username_and_whole_mobile(en_login: Login, street_admin: User) -> None:
    client = en_login(street_admin)
    by_name = client.get("/accounts/users/", {"q": "登记"}).content.decode()
    assert "陈登记" in by_name and "郑查看" not in by_name
    by_username = client.get("/accounts/users/", {"q": "team_lea"}).content.decode()
    assert "刘队长" in by_username and "陈登记" not in by_username
    by_mobile = client.get("/accounts/users/", {"q": "+86 139-0000-0003"}).content.decode()
    assert "王街道" in by_mobile and "1 account" in by_mobile


def test_a_mobile_searched_for_never_stands_in_a_url(en_login: Login, street_admin: User) -> None:
    """GET ?q=13900000003 put the number in clear into the web server's access log, the
    browser's history and the Referer of the next click. The box posts; the page redirects to
    results whose URL carries the number encrypted."""
    client = en_login(street_admin)
    response = client.post("/accounts/users/", {"q": "+86 139-0000-0003"})
    assert response.status_code == 302
    location = unquote(response["Location"])
    assert location.startswith("/accounts/users/?m=")
    assert "13900000003" not in location and "139-0000" not in location
    page = client.get(response["Location"]).content.decode()
    assert "王街道" in page and "1 account" in page
    assert 'value="13900000003"' in page  # kept in the box, in the page only
    assert "13900000003" not in "".join(re.findall(r'href="([^"]*)"', page))


def test_a_name_searched_for_redirects_to_a_plain_query(
    en_login: Login, street_admin: User
) -> None:
    client = en_login(street_admin)
    response = client.post("/accounts/users/", {"q": " 登记 "})
    assert unquote(response["Location"]) == "/accounts/users/?q=登记"
    assert client.post("/accounts/users/", {"q": ""})["Location"] == "/accounts/users/"


def test_a_forged_mobile_parameter_finds_nothing_in_particular(
    en_login: Login, street_admin: User
) -> None:
    response = en_login(street_admin).get("/accounts/users/", {"m": "g:t1:AAAA"})
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["registrar", "checker", "viewer", "team_leader", "nobody"])
def test_non_administrators_cannot_manage(persona: str, en_login: Login, request, org: Org) -> None:
    client = en_login(request.getfixturevalue(persona))
    assert client.get("/accounts/users/new/").status_code == 403
    new = {
        "name": "林新人",
        "username": "lin_xinren",
        "mobile": "13811112222",
        "organization": "430602001001-TM",
        "kind": "viewer",
    }
    assert client.post("/accounts/users/new/", new).status_code == 403
    assert client.get("/accounts/users/import/").status_code == 403
    viewer = User.objects.get(username="viewer")
    for method, url in _member_urls(viewer, viewer.roles.get()):
        assert getattr(client, method)(url, {"active": "0", "kind": "viewer"}).status_code == 404
    assert not User.objects.filter(username="lin_xinren").exists()
    assert not AuditEntry.objects.filter(action__regex=r"^(account|role)\.").exists()
    viewer.refresh_from_db()
    assert viewer.is_active


def test_users_list_query_count_does_not_grow(
    en_login: Login, street_admin: User, staff: User, django_assert_max_num_queries
) -> None:
    client = en_login(street_admin)
    station = Organization.objects.get(code="430602001001-ST")
    for i in range(30):
        user = services.create_account(
            actor=staff,
            name=f"志愿{i}",
            username=f"many_{i}",
            mobile="13800000000",
            organization=station,
            kind=RoleKind.VIEWER,
        )
        Role.objects.create(user=user, organization=station, kind=RoleKind.CHECKER)
    # session, user, scope, count, page, roles (one prefetch), session save (+ savepoints)
    with django_assert_max_num_queries(10):
        page = client.get("/accounts/users/").content.decode()
    assert "35 accounts" in page
    assert page.count('<span class="role">') == 5 + 60


# --- creating, inviting, detail -------------------------------------------------------------


def test_create_account_from_the_web_and_invite(
    en_login: Login,
    street_admin: User,
    outbox: list[SmsMessage],
    django_capture_on_commit_callbacks,
) -> None:
    client = en_login(street_admin)
    form = client.get("/accounts/users/new/", {"organization": "430602001002-ST"}).content.decode()
    assert 'value="430602001002-ST"' in form
    assert '<option value="430602001-SC">岳阳楼街道志愿服务中心</option>' in form
    assert "三眼桥" not in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/users/new/",
            {
                "name": "林新人",
                "username": "lin_xinren",
                "mobile": "138 1111 2222",
                "organization": "430602001002-ST",
                "kind": "registrar",
                "send_invitation": "on",
            },
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Account created" in page
    assert "The link was sent by SMS to 138****2222." in page
    user = User.objects.get(username="lin_xinren")
    assert len(outbox) == 1
    link = outbox[0].params["link"]
    assert link.startswith("http://testserver/accounts/invitation/")
    assert link in page
    assert [e.action for e in AuditEntry.objects.filter(actor=street_admin).order_by("id")] == [
        "account.created",
        "role.granted",
        "account.invited",
    ]
    assert user.roles.get().organization.code == "430602001002-ST"


def test_create_account_outside_shows_a_form_error(en_login: Login, street_admin: User) -> None:
    response = en_login(street_admin).post(
        "/accounts/users/new/",
        {
            "name": "林新人",
            "username": "lin_xinren",
            "mobile": "13811112222",
            "organization": "430602002-SC",
            "kind": "administrator",
        },
    )
    assert response.status_code == 200
    assert (
        "No active organisation with code 430602002-SC in the area you administer."
        in response.content.decode()
    )
    assert not User.objects.filter(username="lin_xinren").exists()


def test_create_account_bad_input_shows_field_errors(en_login: Login, street_admin: User) -> None:
    response = en_login(street_admin).post(
        "/accounts/users/new/",
        {
            "name": "林新人",
            "username": "registrar",
            "mobile": "1234",
            "organization": "430602001-SC",
            "kind": "viewer",
        },
    )
    page = response.content.decode()
    assert "This username is already taken." in page
    assert "Enter an 11-digit mainland mobile number, such as 13800138000." in page
    assert not User.objects.filter(name="林新人").exists()


def test_detail_shows_roles_in_scope_and_counts_the_others(
    en_login: Login, street_admin: User, viewer: User, city_admin: User, org: Org
) -> None:
    services.grant_role(viewer, actor=city_admin, organization=org("430602002-SC"), kind="checker")
    page = en_login(street_admin).get(f"/accounts/users/{viewer.pk}/").content.decode()
    assert "岳阳楼街道志愿服务中心" in page
    assert "三眼桥街道志愿服务中心" not in page
    assert "This account also holds 1 role outside your area" in page
    assert "/active/" not in page and "/invite/" not in page


def test_deactivate_from_the_web_and_refusal_message(
    en_login: Login, street_admin: User, viewer: User, city_admin: User, org: Org
) -> None:
    client = en_login(street_admin)
    response = client.post(f"/accounts/users/{viewer.pk}/active/", {"active": "0"}, follow=True)
    assert "Account deactivated." in response.content.decode()
    viewer.refresh_from_db()
    assert not viewer.is_active
    client.post(f"/accounts/users/{viewer.pk}/active/", {"active": "1"})
    services.grant_role(viewer, actor=city_admin, organization=org("430602002-SC"), kind="checker")
    response = client.post(f"/accounts/users/{viewer.pk}/active/", {"active": "0"}, follow=True)
    assert "also holds roles outside the area you administer" in response.content.decode()
    viewer.refresh_from_db()
    assert viewer.is_active


def test_own_last_admin_role_cannot_be_revoked_from_the_web(
    en_login: Login, street_admin: User
) -> None:
    role = street_admin.roles.get()
    response = en_login(street_admin).post(
        f"/accounts/users/{street_admin.pk}/roles/{role.pk}/revoke/", follow=True
    )
    assert "revoking it would lock you out" in response.content.decode()
    assert street_admin.roles.count() == 1


def test_grant_and_revoke_from_the_web(en_login: Login, street_admin: User, viewer: User) -> None:
    client = en_login(street_admin)
    response = client.post(
        f"/accounts/users/{viewer.pk}/roles/",
        {"organization": "430602001001-TM", "kind": "team_leader"},
    )
    assert response.status_code == 302
    role = viewer.roles.get(kind="team_leader")
    above = client.post(
        f"/accounts/users/{viewer.pk}/roles/",
        {"organization": "430602-GC", "kind": "administrator"},
    )
    assert above.status_code == 200
    assert "in the area you administer" in above.content.decode()
    assert viewer.roles.count() == 2
    client.post(f"/accounts/users/{viewer.pk}/roles/{role.pk}/revoke/")
    assert list(viewer.roles.values_list("kind", flat=True)) == ["viewer"]


def test_revoking_the_last_role_in_scope_returns_to_the_list(
    en_login: Login, street_admin: User, checker: User
) -> None:
    role = checker.roles.get()
    response = en_login(street_admin).post(f"/accounts/users/{checker.pk}/roles/{role.pk}/revoke/")
    assert response["Location"] == "/accounts/users/"


def test_edit_account(en_login: Login, street_admin: User, registrar: User) -> None:
    client = en_login(street_admin)
    assert client.get(f"/accounts/users/{registrar.pk}/edit/").status_code == 200
    response = client.post(
        f"/accounts/users/{registrar.pk}/edit/", {"name": "陈新名", "mobile": "13855556666"}
    )
    assert response.status_code == 302
    registrar.refresh_from_db()
    assert (registrar.name, registrar.mobile) == ("陈新名", "13855556666")


def test_reinvite_shows_a_new_link(
    en_login: Login, street_admin: User, registrar: User, outbox: list[SmsMessage]
) -> None:
    response = en_login(street_admin).post(f"/accounts/users/{registrar.pk}/invite/")
    page = response.content.decode()
    assert "The account has no mobile number: pass the link on yourself." in page
    assert "/accounts/invitation/" in page
    assert outbox == []


# --- the invitation page --------------------------------------------------------------------


def test_invitation_page_sets_the_password(en_client: Client, street_admin: User, org: Org) -> None:
    user = services.create_account(
        actor=street_admin,
        name="林新人",
        username="lin_xinren",
        mobile="13811112222",
        organization=org("430602001-SC"),
        kind="viewer",
    )
    path = services.invitation_path(user)
    page = en_client.get(path).content.decode()
    assert "Welcome, 林新人." in page
    weak = en_client.post(path, {"password1": "short", "password2": "short"})
    assert "This password is too short: it needs at least 10 characters." in weak.content.decode()
    differ = en_client.post(
        path, {"password1": "lantern-river-42", "password2": "lantern-river-43"}
    )
    assert "The two passwords differ." in differ.content.decode()
    done = en_client.post(path, {"password1": "lantern-river-42", "password2": "lantern-river-42"})
    assert done["Location"] == "/accounts/login/"
    assert en_client.get(path).status_code == 400  # used once
    login = en_client.post(
        "/accounts/login/", {"identifier": "13811112222", "password": "lantern-river-42"}
    )
    assert login.status_code == 302


def test_forged_invitation_link_is_refused(en_client: Client, viewer: User) -> None:
    assert en_client.get("/accounts/invitation/Mg/abc-def/").status_code == 400
    assert en_client.get("/accounts/invitation/%%%/abc/").status_code == 400


def test_short_password_message_is_in_chinese_on_chinese_pages(
    street_admin: User, org: Org
) -> None:
    user = services.create_account(
        actor=street_admin,
        name="林中文",
        username="lin_zhongwen",
        mobile="13811113333",
        organization=org("430602001-SC"),
        kind="viewer",
    )
    page = Client().post(
        services.invitation_path(user), {"password1": "short", "password2": "short"}
    )
    assert "密码太短：至少需要 10 个字符。" in page.content.decode()
