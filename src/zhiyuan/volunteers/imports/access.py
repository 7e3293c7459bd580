"""Who may do what with roster imports: import into a registration point (a registering role
for it), and download an import's file and error report (they hold personal data: the
uploader and the body's administrators only)."""

from typing import Any

from zhiyuan.organizations.access import covers
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import selectors
from zhiyuan.volunteers.models import RegistrationBody, RosterImport


def may_import(user: Any, body: RegistrationBody, organization: Organization) -> bool:
    return selectors.may_register_through(user, body, organization)


def may_see_files(user: Any, roster_import: RosterImport) -> bool:
    """The uploaded file and its error report hold personal data: only the uploader and the
    body's administrators may download them."""
    if not getattr(user, "is_authenticated", False):
        return False
    return roster_import.uploaded_by_id == user.pk or covers(
        user, roster_import.body.organization, [RoleKind.ADMINISTRATOR]
    )
