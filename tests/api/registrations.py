"""Registrations for the volunteer API tests, made through the services as every path makes
them: `apply` records an application, `activate` confirms it in person (no SMS needed)."""

from typing import Any

from django.test import Client

from tests.volunteers.people import person_data
from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import RegistrationChannel
from zhiyuan.volunteers.models import Membership, RegistrationBody, Volunteer

MY_BODY = "430602001-SC"  # 岳阳楼街道志愿服务中心, code 4306003
OTHER_BODY = "430602002-SC"  # 三眼桥街道志愿服务中心, code 4306004


def apply(actor: User, org_code: str = MY_BODY, **overrides: Any) -> Volunteer:
    """An application with the body of `org_code`, through its own organisation."""
    body = RegistrationBody.objects.select_related("organization").get(organization__code=org_code)
    return services.register_volunteer(
        person_data(**overrides),
        body=body,
        organization=body.organization,
        actor=actor,
        channel=RegistrationChannel.REGISTRAR,
        consent=True,
        send_confirmation=False,
    ).volunteer


def activate(volunteer: Volunteer, actor: User) -> Volunteer:
    return services.confirm_in_person(volunteer, actor=actor, reason="signed the form in person")


def registered(actor: User, org_code: str = MY_BODY, **overrides: Any) -> Volunteer:
    return activate(apply(actor, org_code, **overrides), actor)


def post(client: Client, url: str, data: object = None):
    return client.post(url, data, content_type="application/json")


def patch(client: Client, url: str, data: object):
    return client.patch(url, data, content_type="application/json")


def snapshot() -> list[tuple]:
    """Everything a volunteer write could touch: registrations, memberships, the audit log."""
    return [
        *Volunteer.objects.order_by("pk").values_list(
            "pk", "status", "registration_number", "name", "body", "organization", "updated_at"
        ),
        *Membership.objects.order_by("pk").values_list("pk", "status"),
        ("audit", AuditEntry.objects.count()),
    ]
