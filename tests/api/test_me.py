"""GET /api/v1/me/: the user and their roles, personal data masked."""

import pytest
from django.test import Client

from zhiyuan.accounts.models import Role, User
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/"


def test_me_needs_a_log_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_me_with_masked_mobile_and_roles(api, street_admin: User, org) -> None:
    body = api(street_admin).get(URL).json()
    street = org("430602001-SC")
    assert body == {
        "id": street_admin.pk,
        "username": "street_admin",
        "name": "王街道",
        "mobile": "139****0003",
        "roles": [
            {
                "kind": "administrator",
                "organization": {
                    "id": street.pk,
                    "name": "岳阳楼街道志愿服务中心",
                    "code": "430602001-SC",
                    "is_active": True,
                },
            }
        ],
    }
    assert "13900000003" not in str(body)


def test_me_shows_only_my_own_roles(api, outsider: User, nobody: User) -> None:
    """Other people's roles (the street admin's next door) never show."""
    roles = api(outsider).get(URL).json()["roles"]
    assert [r["organization"]["code"] for r in roles] == ["430602002-SC"]
    assert api(nobody).get(URL).json()["roles"] == []
    assert api(nobody).get(URL).json()["mobile"] == ""


def test_me_query_count_constant(api, nobody: User, django_assert_max_num_queries) -> None:
    client = api(nobody)
    with django_assert_max_num_queries(3):
        client.get(URL)
    for org in Organization.objects.all()[:20]:
        Role.objects.create(user=nobody, organization=org, kind=RoleKind.VIEWER)
    with django_assert_max_num_queries(3):
        assert len(client.get(URL).json()["roles"]) == 20
