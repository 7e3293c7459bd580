"""Who may do what with registered volunteers: the policy of the volunteers app. The mechanism
is `organizations.access` (a role on an organisation covers its subtree); a registration is
reached through two organisations, the one it was registered through and its body's
(`Volunteer.ACCESS_PATHS`), so a role on either covers it.

Services call these predicates and raise PermissionDenied (or call `reason_to_see_full_values`,
which raises ValidationError); views and API views ask them only what to show.
Sources: 中国注册志愿者管理办法 (registration by registration bodies and those they authorise);
PIPL arts. 13–14, 29 (personal data only as needed; who saw a full value, and why, is logged).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import ngettext

from zhiyuan.common.text import clean_note
from zhiyuan.organizations.access import ALL_ROLES, covers, scope, scope_prefixes
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.volunteers.models import Delegation, RegistrationBody, RosterImport, Volunteer
from zhiyuan.volunteers.selectors import RegistrationPoint

#: Register volunteers, confirm in person, send "please confirm", change a registration's state.
REGISTERING = (RoleKind.ADMINISTRATOR, RoleKind.REGISTRAR)
#: Decide on applications to join a team.
LEADING = (RoleKind.TEAM_LEADER, RoleKind.ADMINISTRATOR)
#: Who may see the full value of a masked field (each viewing logged with a reason); checkers
#: need phones for spot checks (plan §三(二)3: 电话抽查).
REVEALING = {
    "document_number": (RoleKind.ADMINISTRATOR, RoleKind.REGISTRAR),
    "mobile": (RoleKind.ADMINISTRATOR, RoleKind.REGISTRAR, RoleKind.CHECKER),
    "guardian_mobile": (RoleKind.ADMINISTRATOR, RoleKind.REGISTRAR, RoleKind.CHECKER),
    "emergency_contact_phone": (RoleKind.ADMINISTRATOR, RoleKind.REGISTRAR),
}
#: The shortest reason accepted before a full value is shown.
REASON_MIN_LENGTH = 2


def covers_registration(user: Any, volunteer: Volunteer, roles: Any = ALL_ROLES) -> bool:
    """Whether `user` holds one of `roles` over `volunteer`'s registration: on the organisation
    it was registered through or on its body's (or above either), as the ledger reads it."""
    return covers(user, volunteer.organization, roles) or covers(
        user, volunteer.body.organization, roles
    )


def registration_points(user: Any) -> list[RegistrationPoint]:
    """Every (body, organisation) pair `user` may register through: active bodies whose
    organisation their registering roles cover, and live delegations to organisations they
    cover (a delegation lets a community or unit register for the body, 管理办法). Sorted by
    body code, then tree order."""
    bodies = scope(
        user,
        RegistrationBody.objects.filter(is_active=True, organization__is_active=True),
        REGISTERING,
    ).select_related("organization")
    points = [RegistrationPoint(body, body.organization) for body in bodies]
    delegations = scope(
        user,
        Delegation.objects.filter(revoked_at__isnull=True, body__is_active=True),
        REGISTERING,
    ).select_related("body__organization", "organization")
    delegated = _covered_delegations(user, Delegation.objects.filter(revoked_at__isnull=True))
    seen = {point.key for point in points}
    for delegation in list(delegations) + delegated:
        point = RegistrationPoint(delegation.body, delegation.organization)
        if point.key not in seen and delegation.body.is_active:
            seen.add(point.key)
            points.append(point)
    return sorted(points, key=lambda point: (point.body.code, point.organization.path))


def _covered_delegations(user: Any, delegations: QuerySet[Delegation]) -> list[Delegation]:
    """Delegations whose delegated organisation the user's registering roles cover."""
    prefixes = scope_prefixes(user, REGISTERING)
    queryset = delegations.select_related("body__organization", "organization")
    if prefixes is None:
        return list(queryset)
    if not prefixes:
        return []
    condition = Q()
    for prefix in prefixes:
        condition |= Q(organization__path__startswith=prefix)
    return list(queryset.filter(condition))


def may_register_through(user: Any, body: RegistrationBody, organization: Organization) -> bool:
    """Whether `user` may register volunteers (by hand or by roster import) for `body` through
    `organization` (`registration_points`)."""
    return any(
        point.body.pk == body.pk and point.organization.pk == organization.pk
        for point in registration_points(user)
    )


def may_see_import_files(user: Any, roster_import: RosterImport) -> bool:
    """An uploaded roster and its error report hold personal data: only the uploader and the
    body's administrators may download them."""
    if not getattr(user, "is_authenticated", False):
        return False
    return roster_import.uploaded_by_id == user.pk or covers(
        user, roster_import.body.organization, ADMINISTERING
    )


def may_reveal(user: Any, volunteer: Volunteer, fields: tuple[str, ...]) -> bool:
    """Whether `user` may see the full value of every one of `fields` on `volunteer`."""
    return all(covers_registration(user, volunteer, REVEALING[field]) for field in fields)


def revealable_anywhere(user: Any, fields: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Of `fields`, those `user` may see the full value of somewhere: field -> roles."""
    return {
        field: REVEALING[field] for field in fields if scope_prefixes(user, REVEALING[field]) != []
    }


def reason_to_see_full_values(reason: Any, *, fields: int = 2) -> str:
    """The reason given before `fields` full values are shown, cleaned (`common.text.clean_note`:
    no ID or phone numbers in it). Raises ValidationError (key "reason") when it is shorter than
    REASON_MIN_LENGTH or not fit to keep."""
    reason = clean_note(reason, field="reason")
    if len(reason) < REASON_MIN_LENGTH:
        message = ngettext(
            "Say why you need the full value.", "Say why you need the full values.", fields
        )
        raise ValidationError({"reason": message})
    return reason
