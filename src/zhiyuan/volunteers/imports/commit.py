"""The import of a checked roster as every interface asks for it: the web page and the API
queue it as a task (`tasks.import_roster_task`), `zhiyuan import_roster` runs it in its own
process with a progress bar. This module sits above the task module, as `upload` does."""

from collections.abc import Callable
from typing import Any

from django_tasks.base import TaskResult, TaskResultStatus

from zhiyuan.volunteers.imports.tasks import import_roster_task
from zhiyuan.volunteers.imports.write import import_roster, not_checked, require_committable
from zhiyuan.volunteers.models import RosterImport

# A queued import no worker has finished: the roster's own status still says checked until a
# worker starts it.
WAITING = (TaskResultStatus.READY, TaskResultStatus.RUNNING)


def commit_roster(
    roster_import: RosterImport,
    *,
    actor: Any,
    mode: str,
    already_queued: bool = False,
    in_process: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TaskResult[str] | None:
    """Import the checked `roster_import` for `actor` in `mode` (an ImportMode value).

    Checked first, so that a refusal reaches the person at once rather than only the task's
    record: `write.require_committable` (the actor's registering role for the registration
    point, the mode, a checked or refused status), then, `already_queued`, the caller's own
    knowledge that it queued an import of this roster no worker has started yet (the web page
    keeps its task in the session), refused like a roster not checked so that a second click
    does not queue it again. Then the import is queued and its task's result returned (its
    status in WAITING while a worker has yet to finish it); `in_process`, it runs here instead
    (`write.import_roster`, reporting `progress`) and None is returned.
    Raises PermissionDenied, ValidationError (key "mode"; code "not_checked"; in process also
    those of `import_roster`, such as "has_problems")."""
    require_committable(roster_import, actor=actor, mode=mode)
    if already_queued:
        raise not_checked()
    if in_process:
        import_roster(roster_import, actor=actor, mode=mode, progress=progress)
        return None
    return import_roster_task.enqueue(roster_import.pk, mode, actor.pk)
