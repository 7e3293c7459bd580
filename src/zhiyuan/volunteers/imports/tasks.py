"""Background tasks of roster imports: they take ids, reload, and call one service. They sit
below `upload`, which queues the check, and above what they call (`check`, `write`), which
never imports them."""

from django_tasks import task

from zhiyuan.accounts.models import User
from zhiyuan.common.audit import origin_scope
from zhiyuan.common.enums import Origin
from zhiyuan.volunteers.imports.check import check_roster, mark_failed
from zhiyuan.volunteers.imports.write import import_roster
from zhiyuan.volunteers.models import RosterImport


@task()
def check_roster_task(roster_import_id: int) -> str:
    """The dry run of an uploaded roster; returns the import's status."""
    with origin_scope(Origin.TASK):
        roster_import = RosterImport.objects.select_related("body", "organization").get(
            pk=roster_import_id
        )
        try:
            return check_roster(roster_import).status
        except Exception:
            # Whatever went wrong, the page must not poll a check that will never end.
            mark_failed(roster_import)
            raise


@task()
def import_roster_task(roster_import_id: int, mode: str, actor_id: int) -> str:
    """Import a checked roster for user `actor_id`; a refusal is recorded on the import."""
    from django.core.exceptions import PermissionDenied, ValidationError

    with origin_scope(Origin.TASK):
        roster_import = RosterImport.objects.select_related("body", "organization").get(
            pk=roster_import_id
        )
        actor = User.objects.get(pk=actor_id)
        try:
            return import_roster(roster_import, actor=actor, mode=mode).status
        except (ValidationError, PermissionDenied):
            roster_import.refresh_from_db()
            return roster_import.status
        except Exception:
            mark_failed(roster_import)
            raise
