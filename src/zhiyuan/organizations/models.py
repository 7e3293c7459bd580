from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from zhiyuan.common.fields import EncryptedTextField
from zhiyuan.organizations.enums import OrgKind, OrgLevel, StationType, TeamSpecialty, UnitCategory


class Organization(MP_Node):
    """A volunteer-service organisation in the four-level system (plan §三(一), Attachment 1).

    The tree (treebeard materialised path) is the line of responsibility: a role on an
    organisation covers its subtree. `jurisdiction` is the set of divisions it serves (属地),
    which need not be one node of the statistical tree: a management area administers
    townships that statistically belong to a district.
    """

    ACCESS_PATH = "path"
    GENERATION = "organizations"  # common.generations: bumped by every change to the tree
    steplen = 4

    code = models.CharField(_("organisation code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=OrgLevel.choices)
    specialty = models.CharField(
        _("specialty"), max_length=32, choices=TeamSpecialty.choices, blank=True, default=""
    )
    jurisdiction = models.ManyToManyField(
        "divisions.Division",
        verbose_name=_("jurisdiction"),
        blank=True,
        related_name="organizations",
    )
    unit_category = models.CharField(
        _("unit category"), max_length=32, choices=UnitCategory.choices, blank=True, default=""
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        default="",
        help_text=_("18 characters (GB 32100), for units and registered organisations."),
    )
    station_type = models.CharField(
        _("station type"), max_length=32, choices=StationType.choices, blank=True, default=""
    )
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    responsible_department = models.CharField(
        _("responsible department"), max_length=100, blank=True, default=""
    )
    responsible_person = models.CharField(
        _("responsible person"), max_length=50, blank=True, default=""
    )
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, default="")
    is_management_area = models.BooleanField(
        _("management area"),
        default=False,
        help_text=_("A district-level area administering townships of another district."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "level"]), models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=OrgKind.WORK_UNIT) | models.Q(unit_category__gt=""),
                name="work_unit_has_category",
                violation_error_message=_(
                    "A work unit needs a category (it sets its registration target)."
                ),
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=models.Q(credit_code__gt=""),
                name="credit_code_unique",
                violation_error_message=_("Another organisation has this credit code."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=OrgKind.SERVICE_STATION) | models.Q(station_type__gt=""),
                name="station_has_type",
                violation_error_message=_("A service station needs a station type."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
