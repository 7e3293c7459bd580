"""Registering volunteers through the services, for the tests of pages and documents."""

from typing import Any

from tests.factories import person_data
from zhiyuan.volunteers import services
from zhiyuan.volunteers.enums import RegistrationChannel
from zhiyuan.volunteers.models import RegistrationBody, Volunteer


def register(
    actor: Any, body_org: str, *, through: str = "", confirm: bool = True, **person: Any
) -> Volunteer:
    """A volunteer registered by `actor` with the body of organisation `body_org` (through
    organisation `through`, default the body's own) from person_data(**person); confirmed in
    person unless `confirm` is False. No SMS is sent."""
    body = RegistrationBody.objects.select_related("organization").get(organization__code=body_org)
    organization = (
        body.organization
        if not through
        else body.delegations.get(organization__code=through).organization
    )
    volunteer = services.register_volunteer(
        person_data(**person),
        body=body,
        organization=organization,
        actor=actor,
        channel=RegistrationChannel.REGISTRAR,
        consent=True,
        send_confirmation=False,
    ).volunteer
    if confirm:
        volunteer = services.confirm_in_person(
            volunteer, actor=actor, reason="signed the paper form at the centre"
        )
    return volunteer
