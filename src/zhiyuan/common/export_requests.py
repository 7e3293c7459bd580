"""Asking for a large export (`common.exports`): the record of it, and its work queued for the
background worker. This module sits above the task module: it enqueues the build; the task
calls only what lies below it (`exports.build_export`)."""

import json
from functools import partial
from typing import Any

from django.db import transaction
from django.utils.translation import get_language

from zhiyuan.common.exports import build_export, producer
from zhiyuan.common.models import Export
from zhiyuan.common.tasks import build_export_task


def request_export(
    kind: str,
    *,
    actor: Any,
    title: str,
    params: dict[str, Any],
    rows: int,
    organization: Any = None,
    in_process: bool = False,
) -> Export:
    """Record an export of `kind` (a registered producer) for `actor`, titled `title` (in
    their language, shown on "my exports"), with the producer's `params` (JSON values, kept
    encrypted) and the expected number of `rows` (for the progress), and queue it when the
    transaction commits; with `in_process`, write it at once in this process instead (small
    exports over the API). The producer is run in the current language.
    `organization` places the audit entries of its downloads. Raises LookupError for an
    unknown kind. The caller checks that `actor` may ask for it."""
    producer(kind)
    export = Export.objects.create(
        requested_by=actor,
        organization=organization,
        kind=kind,
        title=title[:200],
        params=json.dumps(params, ensure_ascii=False),
        language=get_language() or "",
        rows_total=rows,
    )
    if in_process:
        return build_export(export)
    transaction.on_commit(partial(build_export_task.enqueue, export.pk))
    return export
