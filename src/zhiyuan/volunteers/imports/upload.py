"""The upload of a roster: the file stored in a `RosterImport` (encrypted like other personal
data, with its SHA-256, the uploader, the registration point and the uploader's affirmation
of the people's consent), and its check queued. This module sits above the task module: it
enqueues the check; the task calls only what lies below it (`check`, `write`).
"""

import base64
import hashlib
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhiyuan.common.audit import log_action
from zhiyuan.common.text import digits_joined, holds_personal_number
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers import permissions
from zhiyuan.volunteers.imports.cells import mask_long_numbers
from zhiyuan.volunteers.imports.tasks import check_roster_task
from zhiyuan.volunteers.models import RegistrationBody, RosterImport

MAX_FILE_BYTES = 50 * 1024 * 1024


def upload_roster(
    data: bytes,
    *,
    filename: str,
    body: RegistrationBody,
    organization: Organization,
    actor: Any,
    consent_affirmed: bool,
    check: bool = True,
) -> RosterImport:
    """Store a roster for `body` (through `organization`) and queue its check.

    `consent_affirmed`: the uploader affirms that every person on it gave their separate
    consent to processing their ID number on the paper form (个人信息保护法 第二十九条).
    Raises PermissionDenied (no registering role for this point), ValidationError (keys
    "file", "consent_affirmed"). Audit: volunteer.roster.uploaded (file name, hash, size).
    """
    if not permissions.may_register_through(actor, body, organization):
        raise PermissionDenied(_("You may not register volunteers for this body here."))
    errors: dict[str, str] = {}
    if not data:
        errors["file"] = _("The file is empty.")
    elif len(data) > MAX_FILE_BYTES:
        errors["file"] = _("The file is larger than %(mb)s MB; split it into several files.") % {
            "mb": MAX_FILE_BYTES // (1024 * 1024)
        }
    if not consent_affirmed:
        errors["consent_affirmed"] = _(
            "Confirm that everyone on the roster signed the registration form with its "
            "consent to processing their ID number."
        )
    if errors:
        raise ValidationError(errors)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        roster_import = RosterImport.objects.create(
            body=body,
            organization=organization,
            uploaded_by=actor,
            filename=_clean_filename(filename),
            file_sha256=digest,
            file_size=len(data),
            content=base64.b64encode(data).decode(),
            consent_affirmed=True,
        )
        log_action(
            actor,
            "volunteer.roster.uploaded",
            roster_import,
            organization=organization,
            data={"file": roster_import.filename, "sha256": digest, "bytes": len(data)},
        )
        if check:
            transaction.on_commit(partial(check_roster_task.enqueue, roster_import.pk))
    return roster_import


def _clean_filename(filename: str) -> str:
    """A file name fit to keep and show: printable, no path, and no ID or phone number (offices
    name files after people: "张三430602….xlsx"; the name goes into audit entries)."""
    name = "".join(ch for ch in (filename or "roster") if ch.isprintable()).strip()
    name = name.replace("/", "_").replace("\\", "_")
    # Digits however spelled ("１３８.0013 8000") are joined, then masked; a name with no long
    # number in it is kept as it was typed ("名册（改）.xlsx").
    joined = digits_joined(name)
    if mask_long_numbers(joined) != joined:
        name = mask_long_numbers(joined)
    if holds_personal_number(name):  # spelled in Chinese numerals: the name is not kept
        name = "roster" + ("." + name.rsplit(".", 1)[1][:10] if "." in name else "")
    return name[-200:] or "roster"
