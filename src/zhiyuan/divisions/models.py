from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhiyuan.divisions.enums import PREFIX_LENGTH, DivisionLevel


class Division(models.Model):
    """An administrative division (行政区划) by its 12-digit statistical code.

    The code is the primary key and already the path: the divisions under this one are those
    whose code starts with `prefix`. Levels can be skipped (townships directly under a
    prefecture-level city), so `parent` is stored rather than derived. Codes are never deleted
    or reused; a code that no longer exists is marked `abolished`. Source: GB/T 2260 and the
    statistics bureau's 统计用区划代码.
    """

    GENERATION = "divisions"  # common.generations: bumped by every change, imports included

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_constraint=True,
    )
    source = models.CharField(_("source"), max_length=100, default="stats-gov")
    year = models.PositiveSmallIntegerField(_("year"))
    abolished = models.BooleanField(_("abolished"), default=False)

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        # No index on name: searches use "contains", which a B-tree index cannot serve.
        indexes = [models.Index(fields=["level", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1) & models.Q(level__lte=5),
                name="division_level_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        """The significant digits of the code: descendants' codes start with it."""
        return self.code[: PREFIX_LENGTH[self.level]]


class DivisionImport(models.Model):
    """One successful run of `import_divisions`: which file, what it changed, who ran it.

    It is the object of the import's audit entry (`division.imported`). Failed imports write
    nothing, so they leave no record here.
    """

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    source = models.CharField(_("source"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    row_count = models.PositiveIntegerField(_("rows"))
    created_count = models.PositiveIntegerField(_("created"))
    updated_count = models.PositiveIntegerField(_("updated"))
    abolished_count = models.PositiveIntegerField(_("abolished"))
    per_level = models.JSONField(_("rows per level"), default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("division import")
        verbose_name_plural = _("division imports")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.source} {self.year})"
