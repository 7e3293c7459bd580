"""Station and team standards (plan §三(一)): the items of a city's six-haves and five-haves
lists, and each station's and team's assessments against them.

A city that has not set its own list uses the plan's (`enums.PLAN_ITEMS`); its first change
copies the plan's items into rows (`StandardItem`) and changes them. An item is never deleted:
a retired item keeps its assessments and leaves the tables.

An assessment is never edited: a later one replaces it from its date, so a table for a past date
shows the assessments standing on that date (`selectors.standing`). Its evidence (a photo or a
PDF, type-checked by its bytes) is kept encrypted at rest and served only inside the scope.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zhiyuan.common.storage import EncryptedFileSystemStorage
from zhiyuan.reports.standards.enums import Standard


class StandardItem(models.Model):
    """An item of a standard as a city words it (on the city-level organisation; the nearest
    ancestor's list applies below it, `selectors.items_for`). `code` is what assessments name:
    it never changes."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("city"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    standard = models.CharField(_("standard"), max_length=10, choices=Standard.choices)
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("item"), max_length=100)
    short_name = models.CharField(
        _("column heading"), max_length=12, help_text=_("A few characters, for the tables.")
    )
    name_en = models.CharField(_("item in English"), max_length=200, blank=True, default="")
    short_name_en = models.CharField(
        _("column heading in English"), max_length=30, blank=True, default=""
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("standard item")
        verbose_name_plural = _("standard items")
        ordering = ["organization", "standard", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "standard", "code"], name="one_standard_item_per_code"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The item in the reader's language (Chinese where no English is set)."""
        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name

    @property
    def heading(self) -> str:
        """The column heading in the reader's language."""
        english = (get_language() or "").startswith("en")
        return self.short_name_en if english and self.short_name_en else self.short_name


def evidence_storage() -> EncryptedFileSystemStorage:
    """Evidence photos may show people and documents name them: kept encrypted at rest, served
    only by the standard's evidence view, in scope."""
    return EncryptedFileSystemStorage(context="reports.StandardAssessment.evidence")


class StandardAssessment(models.Model):
    """Whether `organization` (a station or a team) met one item of its standard on
    `assessed_on`, as `assessed_by` judged it, with an optional note and evidence file."""

    ACCESS_PATH = "organization__path"

    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("station or team"),
        on_delete=models.CASCADE,
        related_name="standard_assessments",
    )
    standard = models.CharField(_("standard"), max_length=10, choices=Standard.choices)
    item_code = models.CharField(_("item"), max_length=30)
    met = models.BooleanField(_("met"))
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    evidence = models.FileField(
        _("evidence"), upload_to="standard-evidence/%Y/", blank=True, storage=evidence_storage
    )
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True, default="")
    evidence_type = models.CharField(_("type"), max_length=100, blank=True, default="")
    evidence_size = models.PositiveIntegerField(_("size in bytes"), default=0)
    evidence_sha256 = models.CharField(
        _("SHA-256 of the file"), max_length=64, blank=True, default=""
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("standard assessment")
        verbose_name_plural = _("standard assessments")
        ordering = ["organization", "item_code", "-assessed_on", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "standard", "assessed_on"],
                name="standard_assessment_org_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.item_code} {self.assessed_on}: {self.met}"
