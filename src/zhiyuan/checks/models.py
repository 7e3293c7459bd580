"""Spot checks (抽查, plan §三(二)3: 电话抽查、走访) and the cases that follow them.

A `Campaign` is opened by the city or a district over a subtree and a period, with a recorded
seed; its `CheckItem`s are the sample (registrations and/or hour records), each assigned to a
checker, called or visited (`Attempt`s) and given an outcome. A denial, a wrong detail, or the
volunteer's own report ("this is not me", "I did not serve this") opens a `Case` for the
registration body or the organiser, which ends with a decision and who took it. A body whose
denial rate is too high may have its new registrations confirmed in person only
(`InPersonRequirement`). A `ReportLinkUse` records that an SMS's report link was used: it serves
once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.checks.enums import (
    AttemptMethod,
    CampaignStatus,
    CaseKind,
    CaseSource,
    CaseStatus,
    CheckedDetail,
    Decision,
    ItemKind,
    Outcome,
    Subject,
)
from zhiyuan.common.fields import ChoiceListField
from zhiyuan.common.storage import EncryptedFileSystemStorage


class Campaign(models.Model):
    """A spot check over `organization`'s subtree and a period: what is checked, how many (a
    size, or a rate in percent of the population), and the seed the sample was drawn with.
    `strata` records, per stratum, its key, population and allocated count; `population_digest`
    is the SHA-256 of the ordered population, so that a redraw proves it drew from the same."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("area checked"),
        on_delete=models.PROTECT,
        related_name="check_campaigns",
    )
    title = models.CharField(_("title"), max_length=100)
    subject = models.CharField(_("what is checked"), max_length=16, choices=Subject.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    sample_rate = models.DecimalField(
        _("sample rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    seed = models.BigIntegerField(_("seed"))
    status = models.CharField(
        _("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    strata = models.JSONField(default=list, blank=True)
    population_size = models.PositiveIntegerField(_("population"), default=0)
    population_digest = models.CharField(max_length=64, blank=True, default="")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_size__isnull=False) | Q(sample_rate__isnull=False),
                name="campaign_has_size_or_rate",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d})"


class CheckItem(models.Model):
    """One sampled registration or hour record, its stratum, its checker and its outcome."""

    ACCESS_PATH = "volunteer__organization_path"
    ACCESS_PATHS = ("volunteer__organization_path", "volunteer__body_organization_path")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices)
    position = models.PositiveIntegerField(_("position in the sample"))
    stratum = models.CharField(_("stratum"), max_length=100)
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="check_items"
    )
    hour_record = models.ForeignKey(
        "hours.HourRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.ForeignKey(
        "volunteers.RegistrationBody", on_delete=models.PROTECT, related_name="+"
    )
    organizer = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=16, blank=True, default="")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="check_items",
    )
    outcome = models.CharField(
        _("outcome"), max_length=24, choices=Outcome.choices, blank=True, default=""
    )
    wrong_fields = ChoiceListField(_("details wrong"), choices=CheckedDetail.choices)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_at = models.DateTimeField(_("checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("sampled item")
        verbose_name_plural = _("sampled items")
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="one_item_per_position")
        ]
        indexes = [models.Index(fields=["assigned_to", "outcome"], name="check_item_assignee")]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.position}"


class Attempt(models.Model):
    """One call or visit of a sampled item, whether it reached the person or not."""

    ACCESS_PATH = "item__volunteer__organization_path"

    item = models.ForeignKey(CheckItem, on_delete=models.CASCADE, related_name="attempts")
    method = models.CharField(_("method"), max_length=8, choices=AttemptMethod.choices)
    reached = models.BooleanField(_("reached the person"))
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item} {self.method}"


def evidence_storage() -> EncryptedFileSystemStorage:
    return EncryptedFileSystemStorage(context="checks.Case.evidence")


class Case(models.Model):
    """A follow-up for the registration body (a registration) or the organiser (hours):
    opened by a spot check's finding or by the volunteer's own report, ended by a decision."""

    ACCESS_PATH = "organization__path"

    kind = models.CharField(_("kind"), max_length=16, choices=CaseKind.choices)
    source = models.CharField(_("source"), max_length=10, choices=CaseSource.choices)
    item = models.OneToOneField(
        CheckItem, null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="check_cases"
    )
    hour_record = models.ForeignKey(
        "hours.HourRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.ForeignKey(
        "volunteers.RegistrationBody", on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="check_cases",
    )
    finding = models.CharField(_("finding"), max_length=500, blank=True, default="")
    wrong_fields = ChoiceListField(_("details wrong"), choices=CheckedDetail.choices)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    decision = models.CharField(
        _("decision"), max_length=24, choices=Decision.choices, blank=True, default=""
    )
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True, default="")
    evidence = models.FileField(
        _("evidence"), upload_to="check-evidence/%Y/", blank=True, storage=evidence_storage
    )
    correction = models.ForeignKey(
        "hours.HourRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=CaseStatus.OPEN) | ~Q(decision=""),
                name="closed_case_has_decision",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "kind", "hour_record"],
                condition=Q(status=CaseStatus.OPEN, source=CaseSource.VOLUNTEER),
                name="one_open_report_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class ReportLinkUse(models.Model):
    """An SMS's "this is not me" / "I did not serve this" link (`volunteers.report_links`) that
    made its report: each link makes one, then answers that it was used. `token_digest` is the
    SHA-256 of the whole token (ids and a time, signed: no secret and nothing personal), unique,
    so two reports sent through one link at once make one case."""

    token_digest = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    used_at = models.DateTimeField(_("used"), default=timezone.now)

    def __str__(self) -> str:
        return f"link of case {self.case_id}"


class InPersonRequirement(models.Model):
    """A body whose denial rate is too high confirms registrations applied for from
    `required_at` in person only, until lifted (volunteers.hooks.in_person_rules)."""

    ACCESS_PATH = "body__organization__path"

    body = models.ForeignKey(
        "volunteers.RegistrationBody", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    required_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    required_at = models.DateTimeField(_("required from"), default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["body"],
                condition=Q(lifted_at__isnull=True),
                name="one_live_in_person_requirement",
            )
        ]

    def __str__(self) -> str:
        return f"{self.body_id} in person"
