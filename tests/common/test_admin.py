import pytest

from zhiyuan.common.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["city_admin", "street_admin", "nobody"])
def test_admin_site_is_for_platform_staff_only(persona: str, login, request) -> None:
    response = login(request.getfixturevalue(persona)).get("/admin/organizations/organization/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_edit_in_admin_is_audited(login, staff, org) -> None:
    client = login(staff)
    station = org("430602001001-ST")
    assert client.get("/admin/organizations/organization/").status_code == 200
    page = client.get(f"/admin/organizations/organization/{station.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: getattr(value, "pk", value)
        for name, value in form.initial.items()
        if value is not None
    }
    data.update({"name": "郭亮社区志愿服务站（新址）", "contact_phone": ""})
    response = client.post(f"/admin/organizations/organization/{station.pk}/change/", data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    station.refresh_from_db()
    assert station.name == "郭亮社区志愿服务站（新址）"
    entry = AuditEntry.objects.get(action="organization.admin_changed", object_id=str(station.pk))
    assert entry.actor == staff
    assert entry.origin == "admin"
    assert "name" in entry.data["fields"]
    assert AuditEntry.objects.filter(action="organization.admin_changed").count() == 1


def test_audit_entries_cannot_be_changed_in_admin(login, staff) -> None:
    client = login(staff)
    assert client.get("/admin/common/auditentry/").status_code == 200
    assert client.get("/admin/common/auditentry/add/").status_code == 403


def test_staff_see_accounts_and_roles_in_admin_without_mobiles(login, staff, street_admin) -> None:
    client = login(staff)
    listing = client.get("/admin/accounts/user/").content.decode()
    assert "street_admin" in listing
    assert "13900000003" not in listing
    change = client.get(f"/admin/accounts/user/{street_admin.pk}/change/")
    assert change.status_code == 200
    assert "13900000003" not in change.content.decode()
    assert client.get("/admin/accounts/role/").status_code == 200


def test_password_change_or_deactivation_in_admin_ends_api_tokens(
    login, staff, street_admin
) -> None:
    from knox.models import AuthToken

    AuthToken.objects.create(user=street_admin)
    client = login(staff)
    response = client.post(
        f"/admin/accounts/user/{street_admin.pk}/password/",
        {
            "password1": "a-new-long-password-7",
            "password2": "a-new-long-password-7",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert AuthToken.objects.filter(user=street_admin).count() == 0
    AuthToken.objects.create(user=street_admin)
    page = client.get(f"/admin/accounts/user/{street_admin.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"password", "groups", "user_permissions"}
    }
    data.update({"is_active": "", "roles-TOTAL_FORMS": "0", "roles-INITIAL_FORMS": "0"})
    data.pop("is_active")
    response = client.post(f"/admin/accounts/user/{street_admin.pk}/change/", data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    street_admin.refresh_from_db()
    assert not street_admin.is_active
    assert AuthToken.objects.filter(user=street_admin).count() == 0
