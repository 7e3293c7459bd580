"""Two leaders taking one help request at the same moment (PostgreSQL, real threads): one takes
it, the others are told who did; one SMS, one audit entry."""

from django.core.exceptions import ValidationError

from tests.assistance.conftest import details
from tests.concurrency import at_once, postgres_only
from tests.volunteers import people
from zhiyuan.accounts.models import Role, User
from zhiyuan.assistance import services
from zhiyuan.assistance.enums import HelpChannel, HelpStatus
from zhiyuan.assistance.models import HelpRequest
from zhiyuan.common.models import AuditEntry
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

pytestmark = postgres_only


def test_of_eight_leaders_taking_at_once_exactly_one_takes_the_request(
    world_tx: None, outbox: list
) -> None:
    volunteer = people.registered(User.objects.get(username="registrar"))
    request = services.ask_for_help(
        volunteer, actor=None, channel=HelpChannel.PORTAL, details=details()
    )
    team = Organization.objects.get(code="430602001001-TM")
    leaders = [User.objects.get(username="team_leader"), User.objects.get(username="street_admin")]
    for index in range(6):
        leader = User.objects.create_user(f"leader{index}", "x", name=f"队长{index}")
        Role.objects.create(user=leader, organization=team, kind=RoleKind.TEAM_LEADER)
        leaders.append(leader)

    def work(index: int) -> int:
        taken = services.take_request(
            HelpRequest.objects.get(pk=request.pk), actor=User.objects.get(pk=leaders[index].pk)
        )
        return taken.taken_by_id

    results = at_once(8, work)
    winners = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(winners) == 1 and len(refused) == 7, results
    assert {error.code for error in refused} == {"not_open"}
    stored = HelpRequest.objects.get(pk=request.pk)
    assert (stored.status, stored.taken_by_id) == (HelpStatus.TAKEN, winners[0])
    assert AuditEntry.objects.filter(action="assistance.request.taken").count() == 1
    assert [(m.mobile, m.template) for m in outbox if m.template.startswith("help")] == [
        (volunteer.mobile, "help_taken")
    ]
