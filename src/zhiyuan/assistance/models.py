"""Priority help for registered volunteers (MISSION §4, plan §三(二)3: 注册志愿者需要帮助时，
优先获得志愿组织和其他志愿者的服务).

A `HelpRequest` is one volunteer's (or a relative's, on their behalf) request for help at a
place (an address and its division), by a time, with an urgency. It is routed when made to the
service stations and teams whose jurisdiction holds the place (`HelpRoute`, `routing`); the
first covering station is its `organization`, whose subtree's offices see it and whose response
times it counts in. One team leader takes it (a conditional UPDATE: one taker), records what was
done, and the helpers' hours enter the ledger as pending records (`HelpHours`,
`hours.services.record_hours`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.assistance.enums import HelpChannel, HelpKind, HelpStatus, Urgency
from zhiyuan.common.fields import EncryptedTextField
from zhiyuan.organizations.access import ScopePathField


class HelpRequest(models.Model):
    """A request for help. `priority` is fixed when it is made: whether the volunteer was a
    registered volunteer then (`volunteers.selectors.registered_volunteers`, the one
    definition). The queue's order is `QUEUE_ORDER`: priority first, then urgency, then age."""

    ACCESS_PATHS = ("organization_path",)
    #: registered volunteers' requests first, then the more urgent, then the oldest.
    QUEUE_ORDER = ("-priority", "-urgency", "created_at", "pk")

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="help_requests",
    )
    priority = models.BooleanField(
        _("priority (a registered volunteer)"),
        help_text=_("Registered volunteers' requests are served first (plan §三(二)3)."),
    )
    asked_by_name = models.CharField(
        _("asked by (a relative)"), max_length=50, blank=True, default=""
    )
    asked_by_relation = models.CharField(
        _("relation to the volunteer"), max_length=20, blank=True, default=""
    )
    channel = models.CharField(_("channel"), max_length=10, choices=HelpChannel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # --- what, where, when, how urgent
    kind = models.CharField(_("help needed"), max_length=20, choices=HelpKind.choices)
    description = models.CharField(_("details"), max_length=500, blank=True, default="")
    address = EncryptedTextField(_("address"))
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("community or street"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    needed_at = models.DateTimeField(
        _("needed at"), null=True, blank=True, help_text=_("Empty: as soon as possible.")
    )
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices)
    # --- where it went
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="help_requests",
    )
    organization_path = ScopePathField(source="organization")
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    escalated_at = models.DateTimeField(_("escalated to the office"), null=True, blank=True)
    # --- its course
    status = models.CharField(
        _("status"), max_length=10, choices=HelpStatus.choices, default=HelpStatus.OPEN
    )
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    taken_for = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("taken for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField(_("what was done"), max_length=500, blank=True, default="")
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-priority", "-urgency", "created_at", "pk"]
        indexes = [
            models.Index(fields=["organization_path", "status"], name="help_request_scope"),
            models.Index(
                fields=["-priority", "-urgency", "created_at", "id"],
                condition=Q(status="open"),
                name="help_request_queue",
            ),
            models.Index(fields=["volunteer", "created_at"], name="help_request_volunteer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", taken_at__isnull=True)
                | Q(status="withdrawn", taken_at__isnull=True)
                | Q(
                    status__in=["taken", "done"],
                    taken_at__isnull=False,
                    taken_for__isnull=False,
                ),
                name="help_request_taken_has_taker",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False, outcome__gt=""),
                name="help_request_done_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(urgency__gte=1, urgency__lte=3), name="help_request_urgency_known"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} · {self.division.name}"

    @property
    def number(self) -> str:
        """How the request is named to people (SMS, pages): its id."""
        return f"{self.pk}"


class HelpRoute(models.Model):
    """An organisation the request went to: a covering station or team (when made), or the
    office above the station (`escalated`, when nobody took it in time)."""

    ACCESS_PATHS = ("organization_path",)

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="routes")
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization_path = ScopePathField(source="organization")
    escalated = models.BooleanField(_("escalated"), default=False)

    class Meta:
        verbose_name = _("route of a help request")
        verbose_name_plural = _("routes of help requests")
        indexes = [models.Index(fields=["organization_path"], name="help_route_scope")]
        constraints = [
            models.UniqueConstraint(fields=["request", "organization"], name="help_route_once")
        ]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.organization_id}"


class HelpHours(models.Model):
    """A helper's service record (in the hours ledger) made for a request's outcome."""

    request = models.ForeignKey(HelpRequest, on_delete=models.PROTECT, related_name="hour_links")
    record = models.OneToOneField(
        "hours.HourRecord", on_delete=models.PROTECT, related_name="help_link"
    )

    class Meta:
        verbose_name = _("helper's hours")
        verbose_name_plural = _("helpers' hours")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.record_id}"
