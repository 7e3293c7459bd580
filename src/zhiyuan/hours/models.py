"""The service-hour ledger (志愿服务记录, MISSION §4; 志愿服务记录与证明出具办法, 民政部令第67号):
each record of a volunteer's service, how it came to be (check-in, a leader's entry, a
back-filled paper sheet), its confirmation by the organiser, and its corrections.

The ledger is append-only once confirmed: a confirmed record is never edited or deleted (the
services refuse, `HourRecord.save` and `delete` refuse, and database triggers refuse, see
migrations 0002 and 0003). A correction is a new record that points to the one it corrects, with a
reason, who asked (the volunteer may, 第十六条) and a second person who confirms it. Every
confirmed record carries a SHA-256 chained to the previous confirmed record of the same
organiser (`chain`), which `zhiyuan verify_hours` checks.

Times are aware instants, stored in UTC and shown in Asia/Shanghai; `actual_minutes` is the
time between them, `minutes` what counts after the organiser's rounding rule (`rules`).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.fields import ChoiceListField, EncryptedTextField
from zhiyuan.hours.enums import HourFlag, HourSource, HourStatus, ImportState, Rounding
from zhiyuan.organizations.access import ScopePathField


class LedgerLocked(Exception):
    """A write to a confirmed record, which the ledger never allows."""


class HoursPolicy(models.Model):
    """How service hours count under an organisation (a city, or a part of the tree that
    differs); the nearest ancestor's policy applies (`selectors.policy_for`), exact minutes
    where none does."""

    ACCESS_PATH = "organization__path"

    organization = models.OneToOneField(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="hours_policy",
    )
    rounding = models.CharField(
        _("rounding of each record"),
        max_length=12,
        choices=Rounding.choices,
        default=Rounding.EXACT,
    )

    class Meta:
        verbose_name = _("hours policy")
        verbose_name_plural = _("hours policies")

    def __str__(self) -> str:
        return f"{self.organization} · {self.rounding}"


class HoursImport(models.Model):
    """A back-filled paper sheet (activity, volunteer, start, end or minutes per row), uploaded
    into `organization`'s subtree: its file (encrypted: it names people by ID number), SHA-256,
    the dry run's problems (row, column, kept messages: no personal data) and the import."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("for"),
        on_delete=models.PROTECT,
        related_name="hours_imports",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    filename = models.CharField(_("file name"), max_length=200)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    file_size = models.PositiveIntegerField(_("size in bytes"))
    content = EncryptedTextField(blank=True, default="")
    state = models.CharField(
        _("status"), max_length=10, choices=ImportState.choices, default=ImportState.CHECKED
    )
    error = models.JSONField(default=list, blank=True)  # why the file could not be read
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    imported_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("hours sheet")
        verbose_name_plural = _("hours sheets")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({timezone.localtime(self.uploaded_at):%Y-%m-%d %H:%M})"


class HourRecord(models.Model):
    """One service record: `volunteer` served `activity` (in `slot`) from `start` to `end`.

    `organizer` is the activity's organiser when the record was made: it certifies the record
    (谁组织谁记录，谁记录谁证明) and its chain holds it. `minutes` counts (after `rounding`);
    totals are sums of `minutes` over the counted records (`selectors.counted`): confirmed and
    not replaced by a confirmed correction."""

    ACCESS_PATH = "organizer__path"
    ACCESS_PATHS = ("organizer_path",)

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="hour_records",
    )
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        related_name="hour_records",
    )
    slot = models.ForeignKey(
        "activities.Slot",
        verbose_name=_("slot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hour_records",
    )
    organizer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="hour_records",
    )
    # The organiser's tree path, copied onto the row so that a subtree's records are an index
    # range (`organizations.access`); not part of the record's hash: moves in the tree rewrite it.
    organizer_path = ScopePathField(source="organizer")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    actual_minutes = models.PositiveIntegerField(_("minutes served"))
    minutes = models.PositiveIntegerField(_("minutes counted"))
    rounding = models.CharField(_("rounding"), max_length=12, choices=Rounding.choices)
    content = models.CharField(_("service content"), max_length=200, blank=True, default="")
    source = models.CharField(_("source"), max_length=10, choices=HourSource.choices)
    flags = ChoiceListField(_("flags"), choices=HourFlag.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=HourStatus.choices, default=HourStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed or rejected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("confirmed or rejected"), null=True, blank=True)
    rejection_reason = models.CharField(
        _("reason for rejecting"), max_length=200, blank=True, default=""
    )
    # --- a correction (67号令 第十六条): a new record in place of a confirmed one
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    correction_reason = models.CharField(
        _("reason for the correction"), max_length=200, blank=True, default=""
    )
    requested_by_volunteer = models.BooleanField(_("asked for by the volunteer"), default=False)
    hours_import = models.ForeignKey(
        HoursImport,
        verbose_name=_("back-filled from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    # --- the organiser's chain (tamper evidence), set when confirmed
    chain_position = models.PositiveIntegerField(_("position in the chain"), null=True, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    record_hash = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-start", "-pk"]
        indexes = [
            models.Index(fields=["volunteer", "start"]),
            models.Index(fields=["organizer", "status", "start"]),
            models.Index(fields=["status", "start"]),
            models.Index(fields=["organizer_path", "start"], name="hour_record_scope_start"),
            # The hours that count, summed over a subtree (or the whole tree) and a period from
            # the indexes alone (`selectors.counted`; PostgreSQL's index-only scans): the
            # confirmed records with what the sums read, by subtree then time and by time,
            # and the confirmed corrections that replace them (docs/benchmarks.md: a district's
            # year of 5 million records read 2.9 s without them).
            models.Index(
                fields=["organizer_path", "start", "minutes", "volunteer", "organizer", "id"],
                condition=Q(status=HourStatus.CONFIRMED),
                name="hour_record_counted_scope",
            ),
            models.Index(
                fields=["start", "organizer_path", "minutes", "volunteer", "organizer", "id"],
                condition=Q(status=HourStatus.CONFIRMED),
                name="hour_record_counted_start",
            ),
            models.Index(
                fields=["corrects"],
                condition=Q(status=HourStatus.CONFIRMED, corrects__isnull=False),
                name="hour_record_replacing",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")) | Q(corrects__isnull=False, end=F("start")),
                name="hour_record_ends_after_it_starts",
                violation_error_message=_("A record must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(status=HourStatus.CONFIRMED)
                | Q(chain_position__isnull=False, record_hash__regex=r"^[0-9a-f]{64}$"),
                name="confirmed_hour_record_is_chained",
            ),
            models.UniqueConstraint(
                fields=["organizer", "chain_position"],
                condition=Q(chain_position__isnull=False),
                name="one_hour_record_per_chain_position",
            ),
            models.UniqueConstraint(
                fields=["corrects"],
                condition=Q(status__in=[HourStatus.PENDING, HourStatus.CONFIRMED]),
                name="one_live_correction_per_hour_record",
                violation_error_message=_("This record already has a correction."),
            ),
        ]

    # The status the record had when read: a record read as confirmed is never written again.
    _stored_status: str | None = None

    def __str__(self) -> str:
        start = timezone.localtime(self.start)
        return f"{self.volunteer} · {self.activity} · {start:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuses (LedgerLocked) to write a record that was confirmed when it was read."""
        if getattr(self, "_stored_status", None) == HourStatus.CONFIRMED:
            raise LedgerLocked(f"Service record {self.pk} is confirmed and cannot change.")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status == HourStatus.CONFIRMED or self._stored_status == HourStatus.CONFIRMED:
            raise LedgerLocked(f"Service record {self.pk} is confirmed and cannot be deleted.")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, **kwargs: Any) -> "HourRecord":
        record = super().from_db(db, field_names, values, **kwargs)
        record._stored_status = record.__dict__.get("status")  # type: ignore[attr-defined]
        return record

    @property
    def is_correction(self) -> bool:
        return self.corrects_id is not None


class ChainHead(models.Model):
    """The end of an organiser's chain of confirmed records: how many, and the last hash. Its
    row is locked while a record joins the chain, so confirmations of one organiser run one
    after the other and the chain never forks."""

    organizer = models.OneToOneField(
        "organizations.Organization", on_delete=models.PROTECT, related_name="hours_chain"
    )
    length = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("chain of confirmed records")
        verbose_name_plural = _("chains of confirmed records")

    def __str__(self) -> str:
        return f"{self.organizer_id}: {self.length}"


class Attendance(models.Model):
    """One interval of a volunteer at a slot: checked in, then checked out (leaving and coming
    back is two intervals). At most one is open per volunteer and slot. Each direction may
    carry the caller's idempotency key, unique per slot, so a retry never counts twice.
    Checking out makes a pending record (`checkin.check_out`)."""

    ACCESS_PATH = "slot__activity__organizer__path"

    slot = models.ForeignKey(
        "activities.Slot",
        verbose_name=_("slot"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    checked_in_at = models.DateTimeField(_("checked in"))
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    in_key = models.CharField(max_length=64, null=True, blank=True)
    out_key = models.CharField(max_length=64, null=True, blank=True)
    in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked out by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    distance_m = models.PositiveIntegerField(_("distance at check-in (m)"), null=True, blank=True)
    out_distance_m = models.PositiveIntegerField(
        _("distance at check-out (m)"), null=True, blank=True
    )
    flags = ChoiceListField(_("flags"), choices=HourFlag.choices)
    record = models.OneToOneField(
        HourRecord,
        verbose_name=_("service record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendance",
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["checked_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "volunteer"],
                condition=Q(checked_out_at__isnull=True),
                name="one_open_attendance_per_slot_and_volunteer",
            ),
            models.UniqueConstraint(fields=["slot", "in_key"], name="attendance_in_key_once"),
            models.UniqueConstraint(fields=["slot", "out_key"], name="attendance_out_key_once"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=F("checked_in_at")),
                name="attendance_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.slot}"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None


class OrganizerRollup(models.Model):
    """What the roll-ups of the counted hours (`tallies`) share: the organiser they sum, and its
    path copied for the access layer's indexed range (`organizations.access`)."""

    ACCESS_PATH = "organizer__path"
    ACCESS_PATHS = ("organizer_path",)

    organizer = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organizer_path = ScopePathField(source="organizer")

    class Meta:
        abstract = True


class HourTally(OrganizerRollup):
    """The counted records of one organiser in one local calendar month, summed: a roll-up of
    `selectors.counted` kept in the transaction that confirms a record (`tallies`), so that a
    city's year is some 50,000 rows instead of a million records (issue 12: an office's hours
    for a subtree and year under 200 ms at 5 million records). `zhiyuan verify_hours` compares
    every tally with the records it sums."""

    month = models.DateField(_("month"), help_text=_("The first day of the local month."))
    minutes = models.BigIntegerField(_("minutes counted"), default=0)
    records = models.IntegerField(_("records"), default=0)

    class Meta:
        verbose_name = _("monthly hours tally")
        verbose_name_plural = _("monthly hours tallies")
        constraints = [
            models.UniqueConstraint(fields=["organizer", "month"], name="one_tally_per_month"),
        ]
        indexes = [
            models.Index(
                fields=["organizer_path", "month", "minutes", "records", "organizer"],
                name="hour_tally_scope_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organizer_id} {self.month:%Y-%m}: {self.minutes} min"


class ServiceYear(OrganizerRollup):
    """What one volunteer served one organiser in one local calendar year, summed from the
    counted records (`tallies`): the distinct volunteers of an organiser's years are its rows
    with records, without reading the records."""

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    minutes = models.BigIntegerField(_("minutes counted"), default=0)
    records = models.IntegerField(_("records"), default=0)

    class Meta:
        verbose_name = _("year of service")
        verbose_name_plural = _("years of service")
        constraints = [
            models.UniqueConstraint(
                fields=["organizer", "volunteer", "year"], name="one_service_year"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organizer_path", "year", "organizer", "volunteer"],
                condition=Q(records__gt=0),
                name="service_year_scope",
            ),
            models.Index(fields=["volunteer", "year"], name="service_year_volunteer"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} → {self.organizer_id} {self.year}: {self.minutes} min"


class OrganizerYear(OrganizerRollup):
    """How many distinct volunteers served one organiser in one local calendar year: its
    `ServiceYear` rows with records, counted. Kept by the same upsert that keeps them (a
    volunteer's row going from no records to some adds one, the reverse takes one away), so a
    city's year of thousands of organisers is read as thousands of rows, not the million
    volunteer-years under them (issue 12: an office's hours for a subtree and year under 200 ms
    at 5 million records)."""

    year = models.PositiveSmallIntegerField(_("year"))
    volunteers = models.IntegerField(_("volunteers"), default=0)

    class Meta:
        verbose_name = _("organiser's year")
        verbose_name_plural = _("organisers' years")
        constraints = [
            models.UniqueConstraint(fields=["organizer", "year"], name="one_organizer_year"),
        ]
        indexes = [
            models.Index(
                fields=["organizer_path", "year", "organizer", "volunteers"],
                name="organizer_year_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organizer_id} {self.year}: {self.volunteers} volunteers"
