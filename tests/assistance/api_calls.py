"""What tests/api/test_schemathesis.py needs of the priority-help endpoints: real objects their
paths name (a request of a registered volunteer at 郭亮社区, open, and one taken)."""

from typing import Any

from tests.assistance.conftest import details
from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.assistance import services
from zhiyuan.assistance.enums import HelpChannel


def assistance_known_ids() -> dict[str, list[Any]]:
    """Two requests of 郭亮社区: one open, one taken by its team leader."""
    registrar = User.objects.get(username="registrar")
    made = [
        services.ask_for_help(
            people.registered(registrar), actor=None, channel=HelpChannel.PORTAL, details=details()
        )
        for _ in range(2)
    ]
    services.take_request(made[1], actor=User.objects.get(username="team_leader"))
    return {"help-requests": [row.pk for row in made]}
