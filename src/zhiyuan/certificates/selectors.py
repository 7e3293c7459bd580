"""Reads of service-record certificates: the hours a certificate would state, who may issue one
for a volunteer, the lists (through the access layer) and the public check.

The hours are the ledger's counted records (`hours.selectors.counted`: confirmed, not replaced
by a confirmed correction) of one registration, recorded by the issuer: an organisation states
the records it organised; a volunteer association those of every organisation under it
(民政部令第67号 第十八条: 谁记录谁证明; a volunteer association may certify the records of the
organisations it guides).
"""

import hmac
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from zhiyuan.certificates.enums import CertificateStatus, Verdict
from zhiyuan.certificates.models import Certificate, IssuerProfile
from zhiyuan.common import crypto
from zhiyuan.common.masking import mask_name
from zhiyuan.hours import rules
from zhiyuan.hours import selectors as hours
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.access import ALL_ROLES, in_subtree, scope
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.models import Volunteer

logger = logging.getLogger(__name__)

#: The 32 characters of a certificate number's random part: no 0, 1, I or O to misread.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: ZY, the year of issue, then three groups of four (60 random bits): ZY2026-7K3M-Q9TD-X4HP.
NUMBER = re.compile(r"^ZY\d{4}-[%s]{4}-[%s]{4}-[%s]{4}$" % ((ALPHABET,) * 3))
#: Issuers whose certificates state every record under them.
ASSOCIATIONS = (OrgKind.VOLUNTEER_ASSOCIATION,)
CERTIFICATE_RELATED = ("volunteer", "issuer", "issued_by", "revoked_by")


def area_of(issuer: Organization) -> Organization:
    """Whose records `issuer` certifies: its own subtree, or for a volunteer association the
    subtree of the guidance committee it stands under (the area whose volunteer organisations it
    guides and whose volunteers it keeps on record, MISSION §1 and §2)."""
    if issuer.kind in ASSOCIATIONS and issuer.depth > 1:
        parent = Organization.objects.filter(path=issuer.path[: -Organization.steplen]).first()
        return parent or issuer
    return issuer


def issuer_records(volunteer: Volunteer, issuer: Organization) -> QuerySet[HourRecord]:
    """The records of `volunteer` that `issuer` certifies: those it organised, or, a volunteer
    association, those organised by anyone in its area (`area_of`)."""
    records = HourRecord.objects.filter(volunteer=volunteer)
    if issuer.kind in ASSOCIATIONS:
        return in_subtree(records, area_of(issuer))
    return records.filter(organizer=issuer)


def certified_records(
    volunteer: Volunteer, issuer: Organization, start: date | None, end: date | None
) -> QuerySet[HourRecord]:
    """The counted records a certificate of `issuer` states for the local days `start` to
    `end` (both included; None: open)."""
    return hours.in_period(hours.counted(issuer_records(volunteer, issuer)), start, end)


@dataclass(frozen=True)
class ActivityLine:
    title: str
    minutes: int
    records: int

    @property
    def hours(self) -> Decimal:
        return rules.hours(self.minutes)


def activity_lines(records: QuerySet[HourRecord]) -> list[ActivityLine]:
    """The records' counted minutes per activity, most first (one query)."""
    rows = (
        records.order_by()
        .values("activity_id", "activity__title")
        .annotate(total=Sum("minutes"), n=Count("pk"))
        .order_by("-total", "activity__title", "activity_id")
    )
    return [ActivityLine(row["activity__title"], int(row["total"]), int(row["n"])) for row in rows]


def issuers_for(volunteer: Volunteer) -> list[Organization]:
    """The organisations that may certify some of `volunteer`'s counted hours: each organiser of
    a counted record, and every volunteer association whose area (`area_of`) holds one; in tree
    order. Two queries (the associations are a few per city and district)."""
    paths = set(
        hours.counted(HourRecord.objects.filter(volunteer=volunteer))
        .order_by()
        .values_list("organizer__path", flat=True)
        .distinct()
    )
    if not paths:
        return []
    found = list(Organization.objects.filter(Q(path__in=paths) | Q(kind__in=ASSOCIATIONS)))
    step = Organization.steplen

    def certifies(org: Organization) -> bool:
        if org.path in paths and org.kind not in ASSOCIATIONS:
            return True
        area = org.path[:-step] if org.depth > 1 else org.path
        return org.kind in ASSOCIATIONS and any(path.startswith(area) for path in paths)

    return sorted((org for org in found if certifies(org)), key=lambda org: org.path)


def volunteer_by_number(text: Any) -> Volunteer | None:
    """The registration whose registration number is `text` (unique city-wide), else None.
    Whoever asks learns nothing from it alone: a certificate is refused alike for an unknown
    number and for a volunteer without hours recorded by the issuer."""
    number = str(text or "").strip()[:40]
    return Volunteer.objects.filter(registration_number=number).first() if number else None


def certificates(user: Any, roles: Any = ALL_ROLES) -> QuerySet[Certificate]:
    """The certificates issued in `user`'s subtrees, newest first."""
    return scope(user, Certificate.objects.select_related(*CERTIFICATE_RELATED), roles)


def certificates_of_volunteers(digest: str) -> QuerySet[Certificate]:
    """The certificates of every registration made with one mobile number (the portal's
    volunteer), newest first."""
    return Certificate.objects.filter(volunteer__mobile_digest=digest).select_related(
        "volunteer", "issuer"
    )


def profile_of(organization: Organization) -> IssuerProfile:
    """`organization`'s certificate settings (unsaved and empty where it set none)."""
    found = IssuerProfile.objects.filter(organization=organization).first()
    return found or IssuerProfile(organization=organization)


# --- the content's digest --------------------------------------------------------------------


def statement_of(certificate: Certificate) -> dict[str, Any]:
    """What the certificate states, fixed when it is issued."""
    return {
        "number": certificate.number,
        "volunteer": certificate.volunteer_id,
        "name": certificate.name,
        "document_type": certificate.document_type,
        "document_masked": certificate.document_masked,
        "registration_number": certificate.registration_number,
        "period": [
            certificate.period_start.isoformat() if certificate.period_start else None,
            certificate.period_end.isoformat() if certificate.period_end else None,
        ],
        "minutes": certificate.minutes,
        "record_count": certificate.record_count,
        "activities": certificate.activities,
        "per_activity": certificate.per_activity,
        "content": certificate.content,
        "issuer": certificate.issuer_id,
        "issuer_name": certificate.issuer_name,
        "person_in_charge": certificate.person_in_charge,
        "handler": certificate.handler,
        "contact": certificate.contact,
        "issued_on": certificate.issued_on.isoformat(),
    }


def revocation_of(certificate: Certificate) -> dict[str, Any]:
    """The certificate's revocation as written (`models.REVOCATION_FIELDS`): its status, the
    instant in UTC to the microsecond (the same text whatever the database hands back), who and
    why; nulls and "" while it is valid."""
    revoked_at = certificate.revoked_at
    return {
        "status": certificate.status,
        "revoked_at": (
            revoked_at.astimezone(UTC).isoformat(timespec="microseconds") if revoked_at else None
        ),
        "revoked_by": certificate.revoked_by_id,
        "revocation_reason": certificate.revocation_reason,
    }


def content_of(certificate: Certificate) -> dict[str, Any]:
    """What the digest covers: what the certificate states and its revocation, so that a
    revoked certificate set back to valid in the database fails the check like one whose hours
    were changed."""
    return {**statement_of(certificate), **revocation_of(certificate)}


def mac(content: dict[str, Any]) -> str:
    """HMAC-SHA256 (the platform's look-up key, `crypto.digester`, purpose
    `certificates.Certificate`) over the canonical JSON of `content`: 64 hex characters."""
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return crypto.digester(purpose="certificates.Certificate")(text)


def content_digest(certificate: Certificate) -> str:
    """The digest of `content_of(certificate)` (`mac`). Whoever changes a row without the key
    cannot make a digest that matches: not its hours, not its status."""
    return mac(content_of(certificate))


def is_intact(certificate: Certificate) -> bool:
    return hmac.compare_digest(certificate.digest, content_digest(certificate))


# --- the public check ------------------------------------------------------------------------


def normalize_number(text: Any) -> str:
    """A certificate number as typed or scanned, in its canonical form (upper case, the groups
    joined by hyphens, spaces and other separators dropped); "" when it cannot be one."""
    raw = re.sub(r"[^0-9A-Za-z]", "", str(text or ""))[:40].upper()
    if len(raw) != 18:
        return ""
    number = f"{raw[:6]}-{raw[6:10]}-{raw[10:14]}-{raw[14:]}"
    return number if NUMBER.match(number) else ""


@dataclass(frozen=True)
class Verification:
    """The public check's whole answer. Beyond the verdict only the issuer, the date, the masked
    name and the hours, and those only for a genuine certificate."""

    verdict: str
    number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    name: str = ""
    hours: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None

    @property
    def found(self) -> bool:
        return self.verdict != Verdict.NOT_FOUND


def verify(text: Any) -> Verification:
    """The public check of a certificate number (issue 13, item 4). A malformed number, an
    unknown one and a certificate whose content or revocation no longer matches its digest
    (altered in the database: hours changed, a revoked one set back to valid) all answer
    Verification(NOT_FOUND) alike, after the same one query; an altered one is logged (its id
    only). Nothing about people is looked up: only the number."""
    number = normalize_number(text)
    certificate = Certificate.objects.filter(number=number or "-").order_by().first()
    if certificate is None:
        return Verification(Verdict.NOT_FOUND)
    if not is_intact(certificate):
        logger.warning("certificate %s does not match its digest", certificate.pk)
        return Verification(Verdict.NOT_FOUND)
    revoked = certificate.status == CertificateStatus.REVOKED
    return Verification(
        Verdict.REVOKED if revoked else Verdict.VALID,
        number=certificate.number,
        issuer=certificate.issuer_name,
        issued_on=certificate.issued_on,
        name=mask_name(certificate.name),
        hours=rules.hours(certificate.minutes),
        period_start=certificate.period_start,
        period_end=certificate.period_end,
    )


def seal_image(certificate: Certificate) -> bytes | None:
    """The seal of the certificate's own issuer, if it uploaded one (never another's)."""
    profile = IssuerProfile.objects.filter(organization_id=certificate.issuer_id).first()
    if profile is None or not profile.seal:
        return None
    with profile.seal.open("rb") as file:
        return bytes(file.read())


def volunteers_with_hours(
    issuer: Organization, start: date | None, end: date | None
) -> QuerySet[Volunteer]:
    """The registrations with counted hours that `issuer` certifies on the local days `start`
    to `end` (its own records, or its area's for a volunteer association), by id: who a bulk
    run issues certificates for."""
    records = hours.in_period(hours.counted(), start, end)
    if issuer.kind in ASSOCIATIONS:
        records = in_subtree(records, area_of(issuer))
    else:
        records = records.filter(organizer=issuer)
    return Volunteer.objects.filter(pk__in=records.values("volunteer_id")).order_by("pk")
