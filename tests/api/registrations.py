"""JSON calls for the API tests, and a snapshot of everything a volunteer write could touch
(volunteers themselves come from the `apply` and `registered` fixtures)."""

from django.test import Client

from zhiyuan.common.models import AuditEntry
from zhiyuan.volunteers.models import Membership, Volunteer


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
