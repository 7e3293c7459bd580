"""Award campaigns (评选表彰, plan §三(二)3: "periodic selections and awards based on service
performance, with hours as a reference").

A city or a district opens a `Campaign` with its categories, criteria, the nominations each unit
may make (`Quota`) and its deadlines. Organisations inside the campaign's subtree nominate
(`Nomination`) volunteers and organisations of their own subtrees, with a citation and
evidence; reviewers score each nomination once (`Score`); the shortlist is published for a
notice period on the portal, when anyone may lodge an `Objection`, which the office answers;
then the results are fixed and published, and each award stands on the volunteer's record.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.awards.enums import (
    CampaignStatus,
    CategoryKind,
    NominationStatus,
    ObjectionStatus,
    Stage,
    Subject,
)
from zhiyuan.common.storage import EncryptedFileSystemStorage

#: The shortest notice period, in working days (a campaign may set a longer one).
MIN_NOTICE_DAYS = 5


class Campaign(models.Model):
    """A selection opened by `organization` (a city- or district-level organisation). Its dates
    are local days, each included: nominations until `nominations_close`, scores until
    `review_ends`, the shortlist on notice from `notice_starts` for `notice_days` working days
    (weekends and the configured holidays skipped: `recognition.selectors.notice_period`, the
    star levels' rule) to `notice_ends`, fixed when the shortlist is published."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="award_campaigns",
    )
    title = models.CharField(_("title"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    criteria = models.TextField(_("criteria"), max_length=2000)
    nominations_close = models.DateField(_("nominations close"))
    review_ends = models.DateField(_("review ends"))
    notice_days = models.PositiveSmallIntegerField(
        _("notice period in working days"),
        default=7,
        validators=[MinValueValidator(MIN_NOTICE_DAYS), MaxValueValidator(60)],
    )
    status = models.CharField(
        _("status"), max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    notice_starts = models.DateField(_("notice from"), null=True, blank=True)
    notice_ends = models.DateField(_("notice until"), null=True, blank=True)
    fixed_on = models.DateField(_("results fixed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened"), default=timezone.now)

    class Meta:
        verbose_name = _("award campaign")
        verbose_name_plural = _("award campaigns")
        ordering = ["-year", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(review_ends__gte=models.F("nominations_close")),
                name="award_campaign_review_after_nominations",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    def stage(self, today: date | None = None) -> Stage:
        """What may happen on `today` (default: the local date)."""
        today = today or timezone.localdate()
        if self.status == CampaignStatus.CANCELLED:
            return Stage.CANCELLED
        if self.status == CampaignStatus.FIXED:
            return Stage.FIXED
        if self.status == CampaignStatus.NOTICE:
            ends = self.notice_ends
            return Stage.NOTICE if ends is not None and today <= ends else Stage.NOTICE_ENDED
        if today <= self.nominations_close:
            return Stage.NOMINATING
        if today <= self.review_ends:
            return Stage.REVIEWING
        return Stage.REVIEWED

    @property
    def is_public(self) -> bool:
        """Whether the portal shows it: its shortlist or its results are out."""
        return self.status in (CampaignStatus.NOTICE, CampaignStatus.FIXED)


class Category(models.Model):
    """A category of a campaign: its kind, its name as the campaign words it, who it honours,
    and how many awards it gives (`places`: the shortlist's length)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="categories"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=CategoryKind.choices)
    name = models.CharField(_("name"), max_length=50)
    subject = models.CharField(_("honours"), max_length=12, choices=Subject.choices)
    places = models.PositiveSmallIntegerField(
        _("awards"), validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("award category")
        verbose_name_plural = _("award categories")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="award_category_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class Quota(models.Model):
    """How many nominations of `category` the organisations in `unit`'s subtree (a district's
    or a street's) may make together."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="quotas"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="quotas"
    )
    unit = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    places = models.PositiveSmallIntegerField(
        _("nominations"), validators=[MinValueValidator(0), MaxValueValidator(1000)]
    )

    class Meta:
        verbose_name = _("nomination quota")
        verbose_name_plural = _("nomination quotas")
        ordering = ["campaign", "category", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["category", "unit"], name="award_quota_once_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.unit}: {self.places}"


def evidence_storage() -> EncryptedFileSystemStorage:
    """Evidence names and shows people: kept encrypted at rest, served only by the
    nomination's evidence view, in scope."""
    return EncryptedFileSystemStorage(context="awards.Nomination.evidence")


class Nomination(models.Model):
    """`nominator` puts forward a volunteer (`volunteer`) or an organisation (`organization`,
    with `project_title` for a project) in `category`, with a citation and evidence.
    `hours_minutes` is the volunteer's counted hours (in minutes) when nominated, kept as the
    reference the ranking's tie rule reads. The review's outcome (`average`, `score_count`,
    `rank`) is written when the shortlist is published."""

    ACCESS_PATH = "nominator__path"

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="nominations"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="nominations"
    )
    nominator = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("nominated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="award_nominations",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="award_nominations",
    )
    project_title = models.CharField(_("project"), max_length=100, blank=True, default="")
    citation = models.TextField(_("citation"), max_length=1000)
    evidence = models.FileField(
        _("evidence"), upload_to="award-evidence/%Y/", blank=True, storage=evidence_storage
    )
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True, default="")
    evidence_type = models.CharField(_("type"), max_length=100, blank=True, default="")
    evidence_size = models.PositiveIntegerField(_("size in bytes"), default=0)
    evidence_sha256 = models.CharField(
        _("SHA-256 of the file"), max_length=64, blank=True, default=""
    )
    hours_minutes = models.PositiveIntegerField(_("counted minutes when nominated"), default=0)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NominationStatus.choices,
        default=NominationStatus.NOMINATED,
    )
    average = models.DecimalField(
        _("average score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score_count = models.PositiveSmallIntegerField(_("scores"), default=0)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    award_number = models.CharField(_("award number"), max_length=30, blank=True, default="")
    awarded_on = models.DateField(_("awarded on"), null=True, blank=True)
    status_reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("nominated"), default=timezone.now)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["campaign", "category", "rank", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(volunteer__isnull=False, organization__isnull=True)
                    | models.Q(volunteer__isnull=True, organization__isnull=False)
                ),
                name="award_nomination_one_subject",
            ),
            models.UniqueConstraint(
                fields=["award_number"],
                condition=~models.Q(award_number=""),
                name="award_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "category", "status"], name="award_nom_cat")]

    def __str__(self) -> str:
        return f"{self.category} #{self.pk}"

    @property
    def nominee_name(self) -> str:
        """The volunteer's name, or the organisation's (with the project's title)."""
        if self.volunteer_id is not None:
            return str(self.volunteer.name)  # type: ignore[union-attr]
        name = str(self.organization.name)  # type: ignore[union-attr]
        return f"{name} · {self.project_title}" if self.project_title else name

    @property
    def is_live(self) -> bool:
        return self.status not in (NominationStatus.WITHDRAWN, NominationStatus.DISQUALIFIED)


class Score(models.Model):
    """One reviewer's score of one nomination, 0 to 100 (one decimal)."""

    nomination = models.ForeignKey(
        Nomination, verbose_name=_("nomination"), on_delete=models.CASCADE, related_name="scores"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    comment = models.CharField(_("comment"), max_length=200, blank=True, default="")
    scored_at = models.DateTimeField(_("scored"), default=timezone.now)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["nomination", "scored_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "reviewer"], name="award_score_once_per_reviewer"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100), name="award_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nomination} · {self.score}"


class Objection(models.Model):
    """An objection to a shortlisted nomination, lodged on the portal during the notice period
    by anyone (no name asked); `reference` lets the person who lodged it read the answer."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="objections"
    )
    nomination = models.ForeignKey(
        Nomination,
        verbose_name=_("nomination"),
        on_delete=models.CASCADE,
        related_name="objections",
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    text = models.TextField(_("objection"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    answer = models.TextField(_("answer"), max_length=1000, blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    lodged_at = models.DateTimeField(_("lodged"), default=timezone.now)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["campaign", "lodged_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reference}"
