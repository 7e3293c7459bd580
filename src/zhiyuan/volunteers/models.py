"""Registered volunteers (MISSION §2): registration bodies and their delegations, the
registration itself (the ledger row, 台账), registration-number sequences, team memberships and
volunteers' requests. ID numbers and phones are encrypted at rest with keyed digests for
look-up; birth date, gender and the like stay in clear for statistics.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.common import crypto
from zhiyuan.common.fields import ChoiceListField, EncryptedTextField
from zhiyuan.common.identity import DocumentType, Gender
from zhiyuan.common.storage import EncryptedFileSystemStorage
from zhiyuan.organizations.access import ScopePathField, with_scope_paths
from zhiyuan.volunteers.enums import (
    HOLDING_STATUSES,
    ActivityCategory,
    AgeBasis,
    AvailableTime,
    CancellationKind,
    ConfirmationMethod,
    Education,
    Ethnicity,
    ImportMode,
    ImportStatus,
    MembershipStatus,
    PoliticalStatus,
    RegistrationChannel,
    RegistrationStatus,
    RequestKind,
    RequestStatus,
    Skill,
    reason_text,
)

DOCUMENT_PURPOSE = "identity-document"
DEFAULT_NUMBER_FORMAT = "{code}{yy}{seq:06d}"


def document_digest(number: str) -> str:
    """Keyed digest of a normalised document number: one person, one registration."""
    return crypto.lookup_digest(number, purpose=DOCUMENT_PURPOSE)


class RegistrationPolicy(models.Model):
    """Registration rules of a city (or of a part of the tree that differs); the nearest
    ancestor's policy applies (`selectors.policy_for`). Defaults are those of the CYL's
    中国注册志愿者管理办法 (第八条: 18+, 16–17 on own income, 14–17 with guardian consent)."""

    ACCESS_PATH = "organization__path"
    GENERATION = "registration_policies"  # common.generations: the public join form's ages

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="registration_policy",
    )
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), default=14)
    adult_age = models.PositiveSmallIntegerField(_("age of majority"), default=18)
    own_income_age = models.PositiveSmallIntegerField(
        _("minimum age when living on own income"), default=16
    )
    reregistration_required = models.BooleanField(
        _("yearly re-registration required"), default=False
    )
    number_format = models.CharField(
        _("registration number format"),
        max_length=60,
        default=DEFAULT_NUMBER_FORMAT,
        help_text=_("Placeholders: {code} body code, {yyyy} or {yy} year, {seq:06d} sequence."),
    )
    privacy_notice_version = models.CharField(
        _("privacy notice version"), max_length=20, default="2026-1"
    )

    class Meta:
        verbose_name = _("registration policy")
        verbose_name_plural = _("registration policies")

    def __str__(self) -> str:
        return f"{self.organization} · {self.number_format}"


class RegistrationBody(models.Model):
    """An organisation that registers volunteers and keeps their ledger (注册机构), with the
    code that starts its registration numbers (Attachment 2, 注册编号分配表)."""

    ACCESS_PATH = "organization__path"
    GENERATION = "registration_bodies"  # common.generations: the public registration points

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="registration_body",
    )
    code = models.CharField(_("registration body code"), max_length=12, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    designated_at = models.DateTimeField(_("designated"), default=timezone.now)

    class Meta:
        verbose_name = _("registration body")
        verbose_name_plural = _("registration bodies")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.organization.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        moved = (
            self.pk is not None
            and not RegistrationBody.objects.filter(
                pk=self.pk, organization_id=self.organization_id
            ).exists()
        )
        super().save(*args, **kwargs)
        if moved:  # given another organisation (the Django admin): its ledger's path copies
            self.volunteers.update(body_organization_path=self.organization.path)


class Delegation(models.Model):
    """The consent under which `organization` (a community organisation or a district unit,
    with its stations and teams) registers volunteers for `body` (plan §三(二); MISSION §2).
    Revocable: revoking ends new registrations through it, not the registrations made."""

    ACCESS_PATH = "body__organization__path"
    GENERATION = "registration_bodies"

    body = models.ForeignKey(
        RegistrationBody,
        verbose_name=_("registration body"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("registers through"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "organization"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_delegation_per_body_and_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.body} → {self.organization}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class RegistrationNumberSequence(models.Model):
    """The last sequence number issued by `body` in `year`; locked row by row when a
    registration is confirmed, so numbers are gap-free per body and year (Attachment 2)."""

    body = models.ForeignKey(RegistrationBody, on_delete=models.CASCADE, related_name="sequences")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["body", "year"], name="one_sequence_per_body_year")
        ]

    def __str__(self) -> str:
        return f"{self.body.code} {self.year}: {self.last_value}"


def photo_storage() -> EncryptedFileSystemStorage:
    """Where volunteers' photos are kept: personal data, so encrypted at rest like the other
    fields (`common.storage`), and served only by the ledger's photo view, in scope."""
    return EncryptedFileSystemStorage(context="volunteers.Volunteer.photo")


class Volunteer(models.Model):
    """One registration of one person with one registration body: the ledger row (台账) and the
    registration form's content (Attachment 4, 注册志愿者登记表).

    Three different links: `body` registered the person (through `organization`, the body's own
    organisation or one it delegated to); `work_unit` is where they work or study (what unit
    targets count); `home_division` is where they live. Only an active or suspended
    registration holds the person: a second one elsewhere is refused (one person, one
    registration, city-wide).

    Roles reach a registration through `organization` and through the body's organisation:
    the body keeps the ledger (MISSION §2), also of registrations made through a delegation
    outside its own subtree (a district unit registering for the district's association).
    Both paths are copied onto the row (`organization_path`, `body_organization_path`) and
    indexed, so that a street's ledger reads the street's rows, not the city's.
    """

    ACCESS_PATH = "organization_path"
    ACCESS_PATHS = ("organization_path", "body_organization_path")

    # --- the registration
    body = models.ForeignKey(
        RegistrationBody,
        verbose_name=_("registration body"),
        on_delete=models.PROTECT,
        related_name="volunteers",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("registered through"),
        on_delete=models.PROTECT,
        related_name="registered_volunteers",
    )
    # The tree paths of `organization` and of the body's organisation (access.ScopePathField).
    organization_path = ScopePathField(source="organization")
    body_organization_path = ScopePathField(source="body__organization")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.APPLIED,
    )
    registration_number = models.CharField(
        _("registration number"), max_length=40, null=True, blank=True, unique=True
    )
    channel = models.CharField(_("channel"), max_length=12, choices=RegistrationChannel.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_volunteers",
    )
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmation_method = models.CharField(
        _("confirmation"), max_length=12, choices=ConfirmationMethod.choices, blank=True, default=""
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed in person by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="confirmed_volunteers",
    )
    confirmation_reason = models.CharField(
        _("reason for confirming in person"), max_length=200, blank=True, default=""
    )
    registered_on = models.DateField(_("registration date"), null=True, blank=True)
    reregistered_year = models.PositiveSmallIntegerField(
        _("re-registered for year"), null=True, blank=True
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    cancellation_kind = models.CharField(
        _("cancellation"), max_length=20, choices=CancellationKind.choices, blank=True, default=""
    )
    status_reason = models.CharField(_("reason"), max_length=200, blank=True, default="")

    # --- the person (Attachment 4)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    document_type = models.CharField(
        _("ID document type"), max_length=24, choices=DocumentType.choices
    )
    document_number = EncryptedTextField(_("ID number"))
    document_digest = models.CharField(max_length=64, editable=False)
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(
        _("ethnicity"), max_length=2, choices=Ethnicity.choices, blank=True, default=""
    )
    political_status = models.CharField(
        _("political status"),
        max_length=30,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.PUBLIC,
    )
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True, default=""
    )
    occupation = models.CharField(_("occupation"), max_length=50, blank=True, default="")
    work_unit = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("work unit or school"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_volunteers",
    )
    work_unit_name = models.CharField(
        _("work unit or school (name)"), max_length=100, blank=True, default=""
    )
    mobile = EncryptedTextField(_("mobile"))
    mobile_digest = models.CharField(max_length=64, editable=False)
    email = models.EmailField(_("email"), blank=True, default="")
    home_division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("home division"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address_detail = EncryptedTextField(_("address"), blank=True, default="")
    skills = ChoiceListField(_("skills"), choices=Skill.choices)
    service_intentions = ChoiceListField(_("service intentions"), choices=ActivityCategory.choices)
    available_times = ChoiceListField(_("available times"), choices=AvailableTime.choices)
    emergency_contact_name = models.CharField(
        _("emergency contact"), max_length=50, blank=True, default=""
    )
    emergency_contact_phone = EncryptedTextField(
        _("emergency contact phone"), blank=True, default=""
    )
    photo = models.ImageField(
        _("photo"), upload_to="volunteer-photos/%Y/", blank=True, storage=photo_storage
    )
    roster_import = models.ForeignKey(
        "RosterImport",
        verbose_name=_("imported from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteers",
    )

    # --- age basis (中国注册志愿者管理办法 第八条)
    age_basis = models.CharField(
        _("age basis"), max_length=20, choices=AgeBasis.choices, default=AgeBasis.ADULT
    )
    guardian_name = models.CharField(_("guardian's name"), max_length=50, blank=True, default="")
    guardian_relation = models.CharField(
        _("guardian's relation"), max_length=20, blank=True, default=""
    )
    guardian_mobile = EncryptedTextField(_("guardian's mobile"), blank=True, default="")
    school_consent_reference = models.CharField(
        _("school consent reference"), max_length=100, blank=True, default=""
    )

    # --- consent (个人信息保护法 第十四条、第二十九条)
    privacy_notice_version = models.CharField(_("privacy notice version"), max_length=20)
    id_consent_at = models.DateTimeField(_("consent to processing the ID number"))

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-applied_at", "-pk"]
        indexes = [
            models.Index(fields=["body", "status"]),
            models.Index(fields=["birth_date"]),
            # Plain indexes for equality look-ups by digest (db_index would add a second,
            # pattern index on PostgreSQL: one more index to update per inserted row).
            models.Index(fields=["document_digest"], name="volunteer_document_digest"),
            models.Index(fields=["mobile_digest"], name="volunteer_mobile_digest"),
            # What `access.scope` reads: a range of each path (a street's subtree).
            models.Index(fields=["organization_path"], name="volunteer_organization_path"),
            models.Index(fields=["body_organization_path"], name="volunteer_body_path"),
            # What the statistics tables and the dashboard count (reports.counting, Attachments 3,
            # 5 and 6): every column they read of a registration, so that counting a city's or a
            # street's registrations by organisation, gender, age, status, education and
            # occupation reads this index, never the wide rows (docs/benchmarks.md). The path
            # registered through comes right after the status, then the occupation as given: a
            # count grouped by the path (and by the occupation, Attachment 5's second query) reads
            # the index in its order, with no sort (SQLite's temporary B-tree cost a city's table
            # as much as the scan); the reference date is tested on each entry. There is no
            # (status, registered_on) index beside it: SQLite without ANALYZE statistics would
            # prefer that one and read the rows.
            models.Index(
                fields=[
                    "status",
                    "organization_path",
                    "occupation",
                    "registered_on",
                    "organization",
                    "reregistered_year",
                    "applied_at",
                    "work_unit",
                    "gender",
                    "birth_date",
                    "political_status",
                    "education",
                ],
                name="volunteer_statistics",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["document_digest"],
                condition=Q(status__in=HOLDING_STATUSES),
                name="one_registration_per_person",
                violation_error_message=_("This person is already registered."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=HOLDING_STATUSES) | Q(registration_number__isnull=False),
                name="registered_volunteer_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.registration_number or _("Application %(id)s") % {"id": self.pk}

    def save(self, *args: Any, **kwargs: Any) -> None:
        from zhiyuan.accounts.models import mobile_digest

        self.document_digest = document_digest(self.document_number)
        self.mobile_digest = mobile_digest(self.mobile)
        if kwargs.get("update_fields") is not None:  # a new body or organisation: new paths
            kwargs["update_fields"] = with_scope_paths(Volunteer, kwargs["update_fields"])
        super().save(*args, **kwargs)

    @property
    def status_reason_text(self) -> str:
        """The reason of the last status change in the reader's language (`reason_text`)."""
        return reason_text(self.status_reason)


class Membership(models.Model):
    """A volunteer's membership of a service team or station: applied → approved by the team
    leader → left (or rejected)."""

    ACCESS_PATH = "team__path"

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("team or station"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.APPLIED,
    )
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_on = models.DateField(_("joined"), null=True, blank=True)
    left_on = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "team"],
                condition=Q(status__in=[MembershipStatus.APPLIED, MembershipStatus.APPROVED]),
                name="one_live_membership_per_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.team}"


class VolunteerRequest(models.Model):
    """A volunteer's request to correct their details or cancel their registration; it reaches
    the registrars of the organisation the registration belongs to and of its body."""

    ACCESS_PATH = "volunteer__organization_path"
    ACCESS_PATHS = ("volunteer__organization_path", "volunteer__body_organization_path")

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="requests"
    )
    kind = models.CharField(_("request"), max_length=20, choices=RequestKind.choices)
    message = models.TextField(_("message"), max_length=1000, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    response = models.CharField(_("response"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("volunteer request")
        verbose_name_plural = _("volunteer requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.get_kind_display()}"


class RosterImport(models.Model):
    """A roster file uploaded into a registration body (issue: roster import): who uploaded it,
    the file's SHA-256 (kept for ever), the file itself encrypted until the retention period
    ends (`ROSTER_RETENTION_DAYS`), the check's outcome and problems (row, column, message:
    no personal data), and the import's result. Only the uploader and the body's
    administrators may download the file or its error report."""

    ACCESS_PATH = "organization__path"

    body = models.ForeignKey(
        RegistrationBody,
        verbose_name=_("registration body"),
        on_delete=models.PROTECT,
        related_name="roster_imports",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("registered through"),
        on_delete=models.PROTECT,
        related_name="roster_imports",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="roster_imports",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    filename = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    file_size = models.PositiveIntegerField(_("size in bytes"))
    content = EncryptedTextField(blank=True, default="")
    purged_at = models.DateTimeField(_("file deleted"), null=True, blank=True)
    consent_affirmed = models.BooleanField(
        _("the uploader affirmed that each person consented on the paper form"), default=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    error = models.CharField(
        _("why the file could not be read"), max_length=300, blank=True, default=""
    )
    # The same in no language: message ids and parameters (imports.messages), read in the
    # reader's language; `error` holds it in the source language, for older readers.
    error_text = models.JSONField(default=list, blank=True)
    header_row = models.PositiveIntegerField(null=True, blank=True)
    unknown_headers = models.JSONField(default=list, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_present = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    mode = models.CharField(
        _("mode"), max_length=12, choices=ImportMode.choices, blank=True, default=""
    )
    imported_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    # Set when a check or an import starts and refreshed while a check runs: a process that died
    # meanwhile leaves it old, and a periodic job ends the import as failed (`imports.check`).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({timezone.localtime(self.uploaded_at):%Y-%m-%d %H:%M})"
