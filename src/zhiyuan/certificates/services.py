"""Writes of service-record certificates: issue (on the volunteer's request or by the issuer's
staff), revoke, and the issuer's settings (seal, handler, contact).

Rules (民政部令第67号《志愿服务记录与证明出具办法》第十八条 to 第二十一条; issue 13, item 3):
- the organisation that recorded the hours issues the certificate, a volunteer association for
  the records under it (`selectors.issuer_records`), free of charge, when the volunteer asks
  (第十八条) or on its own staff's initiative;
- it states the hours actually confirmed in the ledger for the period asked (or all time):
  a period without confirmed hours is refused, never an empty certificate;
- the ID number is printed masked; in full only when the volunteer asks (kept encrypted on the
  certificate, audited);
- a certificate is never changed: a wrong one is revoked with a reason and a new one issued.
Every change is audited; no ID number or phone goes into an entry.
"""

import logging
import secrets
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhiyuan.certificates import permissions, selectors
from zhiyuan.certificates.enums import CertificateStatus
from zhiyuan.certificates.models import REVOCATION_FIELDS, Certificate, IssuerProfile
from zhiyuan.common.audit import log_action
from zhiyuan.common.masking import mask_document
from zhiyuan.common.text import clean_note
from zhiyuan.common.uploads import check_file, read_upload
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

logger = logging.getLogger(__name__)

#: The largest seal image accepted: a scan at 600 dpi of a 42 mm seal is far below it.
SEAL_LIMIT = 2 * 1024 * 1024
CONTENT_LIMIT = 500
#: Certificates one registration may ask for itself in a local day: enough for every issuer and
#: period a person needs, not a flood of rows from a script with a session.
DAILY_REQUESTS = 10


def acting_user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def new_number(today: date) -> str:
    """A fresh certificate number, ZY<year>-XXXX-XXXX-XXXX, its 12 characters drawn at random
    from `selectors.ALPHABET` (60 bits): a number cannot be guessed from another."""
    chars = "".join(secrets.choice(selectors.ALPHABET) for _ in range(12))
    return f"ZY{today.year:04d}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError({"end": _("The period ends before it starts.")}, code="period")


def no_hours(issuer: Organization, start: date | None, end: date | None) -> ValidationError:
    """The refusal of a certificate without confirmed hours, naming the period."""
    if start is None and end is None:
        message = _("%(issuer)s has recorded no confirmed hours of this volunteer.") % {
            "issuer": issuer.name
        }
    else:
        period = "–".join(
            [
                date_format(start, "Y-m-d") if start else "…",
                date_format(end, "Y-m-d") if end else "…",
            ]
        )
        message = _(
            "%(issuer)s has recorded no confirmed hours of this volunteer in the period %(period)s."
        ) % {"issuer": issuer.name, "period": period}
    return ValidationError(message, code="no_hours")


def _content(lines: list[selectors.ActivityLine]) -> str:
    """The service content: the activities served, most hours first, within CONTENT_LIMIT."""
    text = ""
    for line in lines:
        longer = f"{text}；{line.title}" if text else line.title
        if len(longer) > CONTENT_LIMIT - 1:
            return text + "…"
        text = longer
    return text


def _issue(
    volunteer: Volunteer,
    *,
    issuer: Organization,
    actor: Any,
    handler: str,
    start: date | None,
    end: date | None,
    per_activity: bool,
    full_number: bool,
    by_volunteer: bool,
) -> Certificate:
    _check_period(start, end)
    records = selectors.certified_records(volunteer, issuer, start, end)
    lines = selectors.activity_lines(records)
    if not lines:
        raise no_hours(issuer, start, end)
    profile = selectors.profile_of(issuer)
    today = timezone.localdate()
    certificate = Certificate(
        volunteer=volunteer,
        issuer=issuer,
        name=volunteer.name,
        document_type=volunteer.document_type,
        document_masked=mask_document(volunteer.document_number),
        document_number=volunteer.document_number if full_number else "",
        registration_number=volunteer.registration_number or "",
        period_start=start,
        period_end=end,
        minutes=sum(line.minutes for line in lines),
        record_count=sum(line.records for line in lines),
        activities=[
            {"title": line.title, "minutes": line.minutes, "records": line.records}
            for line in lines
        ],
        per_activity=per_activity,
        content=_content(lines),
        issuer_name=issuer.name,
        person_in_charge=issuer.responsible_person,
        handler=handler or profile.handler,
        contact=profile.contact,
        issued_on=today,
        issued_by=acting_user(actor),
        requested_by_volunteer=by_volunteer,
    )
    for _attempt in range(5):  # a number drawn twice is one in 2**60 per pair: try again
        certificate.number = new_number(today)
        certificate.digest = selectors.content_digest(certificate)
        try:
            with transaction.atomic():
                certificate.save()
                break
        except IntegrityError:
            certificate.pk = None
    else:  # pragma: no cover (five collisions of 60 random bits)
        raise RuntimeError("no free certificate number")
    log_action(
        acting_user(actor),
        "certificate.issued",
        certificate,
        organization=issuer,
        data={
            "volunteer": volunteer.pk,
            "minutes": certificate.minutes,
            "period_start": start.isoformat() if start else None,
            "period_end": end.isoformat() if end else None,
            "per_activity": per_activity,
            "full_number": full_number,
            "by_volunteer": by_volunteer,
        },
    )
    return certificate


@transaction.atomic
def issue_certificate(
    volunteer: Volunteer,
    *,
    issuer: Organization,
    actor: Any,
    start: date | None = None,
    end: date | None = None,
    per_activity: bool = False,
    full_number: bool = False,
) -> Certificate:
    """The issuer's staff (a team leader or administrator of `issuer` or above; None: the
    operator) issue a certificate of `volunteer`'s counted hours recorded by `issuer` on the
    local days `start` to `end` (None: open). `full_number` only when the volunteer asked for
    their full ID number on it. The handler printed is the actor's name.

    Raises PermissionDenied; ValidationError ("period": the end before the start; "no_hours":
    no confirmed hours in the period, naming it). Audit: certificate.issued (full_number says
    whether the full number is printed). 民政部令第67号 第十八条."""
    permissions.require_issues_for(actor, issuer)
    return _issue(
        volunteer,
        issuer=issuer,
        actor=actor,
        handler=getattr(acting_user(actor), "name", ""),
        start=start,
        end=end,
        per_activity=per_activity,
        full_number=full_number,
        by_volunteer=False,
    )


@transaction.atomic
def request_certificate(
    volunteer: Volunteer,
    *,
    issuer: Organization,
    start: date | None = None,
    end: date | None = None,
    per_activity: bool = False,
    full_number: bool = False,
) -> Certificate:
    """The volunteer's own request (the portal, the API's volunteer token: the caller has
    established that `volunteer` is a registration of theirs): issued at once by `issuer` when
    it recorded confirmed hours in the period, with the handler of its certificate settings.
    Raises ValidationError as `issue_certificate`, and ("too_many") beyond DAILY_REQUESTS
    requests of the registration in a local day. Audit: certificate.issued (by_volunteer)."""
    asked_today = Certificate.objects.filter(
        volunteer=volunteer, requested_by_volunteer=True, issued_on=timezone.localdate()
    ).count()
    if asked_today >= DAILY_REQUESTS:
        raise ValidationError(
            _("You have asked for %(count)s certificates today. Ask again tomorrow.")
            % {"count": asked_today},
            code="too_many",
        )
    return _issue(
        volunteer,
        issuer=issuer,
        actor=None,
        handler="",
        start=start,
        end=end,
        per_activity=per_activity,
        full_number=full_number,
        by_volunteer=True,
    )


@transaction.atomic
def revoke_certificate(certificate: Certificate, *, actor: Any, reason: Any) -> Certificate:
    """Revoke a wrong certificate (the public check shows it revoked from then on); a right one
    is issued anew, never this one changed. The digest, which covers the revocation
    (`selectors.content_of`), is computed again in the same transaction, from a row that matched
    its digest only: one already altered in the database keeps its old digest and so still fails
    the check (revoking it must not make the alteration look genuine). Raises PermissionDenied;
    ValidationError ("reason": missing or not fit to keep; "revoked": already revoked).
    Audit: certificate.revoked."""
    permissions.require_issues_for(actor, certificate.issuer)
    text = clean_note(reason, field="reason")
    if not text:
        raise ValidationError({"reason": _("Say why the certificate is revoked.")})
    locked = Certificate.objects.select_for_update(of=("self",)).get(pk=certificate.pk)
    if locked.status == CertificateStatus.REVOKED:
        raise ValidationError(_("This certificate is already revoked."), code="revoked")
    intact = selectors.is_intact(locked)
    locked.status = CertificateStatus.REVOKED
    locked.revoked_at = timezone.now()
    locked.revoked_by = acting_user(actor)
    locked.revocation_reason = text
    if intact:
        locked.digest = selectors.content_digest(locked)
    else:
        logger.warning("certificate %s revoked while it does not match its digest", locked.pk)
    locked.save(update_fields=sorted(REVOCATION_FIELDS))
    log_action(
        acting_user(actor),
        "certificate.revoked",
        locked,
        organization=locked.issuer,
        data={"reason": text},
    )
    return locked


def _profile_for_update(organization: Organization) -> IssuerProfile:
    profile, _created = IssuerProfile.objects.select_for_update().get_or_create(
        organization=organization
    )
    return profile


@transaction.atomic
def set_issuer_details(
    organization: Organization, *, actor: Any, handler: Any, contact: Any
) -> IssuerProfile:
    """The handler printed on certificates volunteers ask for, and the contact telephone
    printed on every certificate (at most 50 and 40 characters). Raises PermissionDenied,
    ValidationError ("handler", "contact"). Audit: certificate.settings.changed."""
    permissions.require_sets_up(actor, organization)
    handler_text = clean_note(handler, limit=50, field="handler")
    contact_text = " ".join(str(contact or "").split())
    if len(contact_text) > 40 or any(
        not (char.isdigit() or char in " -+()转") for char in contact_text
    ):
        raise ValidationError(
            {"contact": _("Give a telephone number: digits, spaces, hyphens, + and brackets.")}
        )
    profile = _profile_for_update(organization)
    changed = {
        name: [getattr(profile, name), value]
        for name, value in (("handler", handler_text), ("contact", contact_text))
        if getattr(profile, name) != value
    }
    profile.handler, profile.contact = handler_text, contact_text
    profile.updated_by, profile.updated_at = acting_user(actor), timezone.now()
    profile.save()
    log_action(
        acting_user(actor),
        "certificate.settings.changed",
        profile,
        organization=organization,
        data={"changed": changed},
    )
    return profile


@transaction.atomic
def set_seal(organization: Organization, upload: Any, *, actor: Any) -> IssuerProfile:
    """Keep `upload` (a Django UploadedFile) as the seal printed on `organization`'s own
    certificates: a PNG (best with a transparent background) or JPEG image, told by its bytes
    (Pillow), of at most SEAL_LIMIT bytes, stored encrypted under a random name; the previous
    image is deleted. Raises PermissionDenied, ValidationError ("seal": not an image, too large).
    Audit: certificate.seal.uploaded."""
    permissions.require_sets_up(actor, organization)
    refused = _("Upload the seal as a PNG or JPEG image of at most 2 MB.")
    checked = check_file(
        read_upload(upload, SEAL_LIMIT),
        limit=SEAL_LIMIT,
        allow_pdf=False,
        field="seal",
        refused=refused,
    )
    profile = _profile_for_update(organization)
    old = profile.seal.name if profile.seal else ""
    profile.seal.save(
        f"{secrets.token_hex(16)}.{checked.extension}", ContentFile(checked.data), save=False
    )
    profile.seal_type = checked.content_type
    profile.updated_by, profile.updated_at = acting_user(actor), timezone.now()
    profile.save()
    if old:
        transaction.on_commit(lambda: profile.seal.storage.delete(old))
    log_action(
        acting_user(actor),
        "certificate.seal.uploaded",
        profile,
        organization=organization,
        data={"format": checked.extension.upper(), "bytes": len(checked.data)},
    )
    return profile


@transaction.atomic
def remove_seal(organization: Organization, *, actor: Any) -> IssuerProfile:
    """Certificates print an empty box for the seal again. Audit: certificate.seal.removed."""
    permissions.require_sets_up(actor, organization)
    profile = _profile_for_update(organization)
    old = profile.seal.name if profile.seal else ""
    profile.seal = ""  # type: ignore[assignment]
    profile.seal_type = ""
    profile.updated_by, profile.updated_at = acting_user(actor), timezone.now()
    profile.save()
    if old:
        storage = IssuerProfile._meta.get_field("seal").storage  # type: ignore[union-attr]
        transaction.on_commit(lambda: storage.delete(old))
    log_action(acting_user(actor), "certificate.seal.removed", profile, organization=organization)
    return profile


def print_certificate(certificate: Certificate, *, actor: Any, check_url: str) -> bytes:
    """The certificate's PDF (`documents.certificate_pdf`). A certificate that prints the full
    ID number (the volunteer asked for it) is audited on every print (certificate.printed):
    who had the full number in hand, and when. Raises common.pdf.FontUnavailable."""
    from zhiyuan.certificates import documents

    content = documents.certificate_pdf(certificate, check_url=check_url)
    if certificate.document_number:
        log_action(
            acting_user(actor),
            "certificate.printed",
            certificate,
            organization=certificate.issuer,
            data={"full_number": True},
        )
    return content


def issue_for_period(
    issuer: Organization,
    *,
    actor: Any,
    start: date | None = None,
    end: date | None = None,
    per_activity: bool = False,
) -> tuple[list[Certificate], int]:
    """Bulk issuing (the `issue_certificates` command): a certificate for every registration
    with counted hours `issuer` certifies in the period, one transaction each, leaving out those
    that already hold a valid certificate of the issuer for the same period (a run repeated
    issues nothing twice). Returns (the certificates issued, how many were left out). Raises
    PermissionDenied, ValidationError ("period")."""
    permissions.require_issues_for(actor, issuer)
    _check_period(start, end)
    holding = set(
        Certificate.objects.filter(
            issuer=issuer, period_start=start, period_end=end, status=CertificateStatus.VALID
        ).values_list("volunteer_id", flat=True)
    )
    issued: list[Certificate] = []
    skipped = 0
    for volunteer in selectors.volunteers_with_hours(issuer, start, end).iterator():
        if volunteer.pk in holding:
            skipped += 1
            continue
        issued.append(
            issue_certificate(
                volunteer,
                issuer=issuer,
                actor=actor,
                start=start,
                end=end,
                per_activity=per_activity,
            )
        )
    return issued, skipped
