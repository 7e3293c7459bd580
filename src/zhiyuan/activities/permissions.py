"""Who may do what with activities: the policy of the activities app. The mechanism is
`organizations.access` (a role on an organisation covers its subtree).

- The organiser's administrators and team leaders (a role on the organiser or above it)
  manage an activity: edit, publish, cancel, finish, approve and reject sign-ups.
- Every role whose subtree holds the organiser sees the activity (the office's oversight),
  with the same roster a manager sees: names, masked phones and statuses.
- A team leader signs up a group of their team's approved members.
- Which volunteers may sign up is the activity's visibility: every registered volunteer, the
  volunteers of an organisation's subtree, or the members of a team.

Services call the `require_*` functions, which raise PermissionDenied; views and API views ask
the predicates only what to show. `actor` None is the operator at the command line (or a
periodic job): the platform itself, which every check lets through.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from zhiyuan.activities.enums import Visibility
from zhiyuan.activities.models import Activity
from zhiyuan.organizations.access import covers, scope
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import MembershipStatus
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import TEAM_KINDS

#: Create, edit, publish, cancel and finish activities; decide on sign-ups.
MANAGING = (RoleKind.ADMINISTRATOR, RoleKind.TEAM_LEADER)
#: Sign up a group of a team's members.
LEADING = (RoleKind.TEAM_LEADER, RoleKind.ADMINISTRATOR)


def may_organise(user: Any, organization: Organization) -> bool:
    """Whether `user` may create activities organised by `organization` (active)."""
    return organization.is_active and covers(user, organization, MANAGING)


def organisers(user: Any) -> QuerySet[Organization]:
    """The active organisations `user` may organise activities for."""
    return scope(user, Organization.objects.filter(is_active=True), MANAGING)


def manages(user: Any, activity: Activity) -> bool:
    """Whether `user` manages `activity` (a managing role on its organiser or above)."""
    return covers(user, activity.organizer, MANAGING)


def sees(user: Any, activity: Activity) -> bool:
    """Whether `user` sees `activity` in the office (any role over its organiser)."""
    return covers(user, activity.organizer)


def leads(user: Any, team: Organization) -> bool:
    """Whether `user` leads `team` (a team or station) and may sign up its members."""
    return team.kind in TEAM_KINDS and team.is_active and covers(user, team, LEADING)


def require_manages(actor: Any, activity: Activity) -> None:
    """Raises PermissionDenied unless `actor` (None: the operator) manages `activity`."""
    if actor is not None and not manages(actor, activity):
        raise PermissionDenied(
            _("Only the organiser's administrators and team leaders manage this activity.")
        )


def require_may_organise(actor: Any, organization: Organization) -> None:
    if actor is not None and not may_organise(actor, organization):
        raise PermissionDenied(
            _("You can only organise activities for organisations you administer or lead.")
        )


def require_leads(actor: Any, team: Organization) -> None:
    if actor is not None and not leads(actor, team):
        raise PermissionDenied(_("Only the team's leaders sign up its members."))


def _ancestor_paths(path: str) -> list[str]:
    """`path` and the paths of its ancestors."""
    step = Organization.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def audience_condition(volunteer: Volunteer, *, prefix: str = "") -> Q:
    """The activities `volunteer` may see and sign up for, as a condition on Activity (its
    fields reached through `prefix`, e.g. "slot__activity__"): public ones; subtree ones whose
    audience holds the organisation the volunteer registered through, or a team they are an
    approved member of; team ones of a team they are an approved member of."""
    teams = list(
        volunteer.memberships.filter(status=MembershipStatus.APPROVED).values_list(
            "team_id", "team__path"
        )
    )
    paths = {volunteer.organization.path, *(path for _team, path in teams)}
    ancestors = sorted({a for path in paths for a in _ancestor_paths(path)})
    return (
        Q(**{f"{prefix}visibility": Visibility.PUBLIC})
        | Q(**{f"{prefix}visibility": Visibility.SUBTREE, f"{prefix}audience__path__in": ancestors})
        | Q(
            **{
                f"{prefix}visibility": Visibility.TEAM,
                f"{prefix}audience_id__in": [team for team, _path in teams],
            }
        )
    )


def may_sign_up(volunteer: Volunteer, activity: Activity) -> bool:
    """Whether the activity's visibility lets `volunteer` sign up (`audience_condition`).
    Whether they are a registered volunteer, old enough and free is checked by the service."""
    if activity.visibility == Visibility.PUBLIC:
        return True
    return Activity.objects.filter(audience_condition(volunteer), pk=activity.pk).exists()
