"""Anomaly flags (issue 14, item 4): what the periodic detection (`services.detect_anomalies`)
found in the ledgers, for the superiors of the organisation responsible to look at.

A flag names its rule, its evidence (service records, registrations) and the people
responsible (recorder, confirmer, registrar), and belongs to the organisation responsible: the
deepest organisation whose subtree holds every organiser or registering organisation of its
evidence. It is shown to the roles on that organisation's parent and above (`superior`): the
organiser's superiors, not the organiser. Its `key` is the SHA-256 of the rule and the evidence,
so that a second run finds the same flag (none added), and a closed flag stays closed for the
same evidence. Closing needs a reason.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.anomalies.enums import FlagState, Responsibility, Rule
from zhiyuan.organizations.access import ScopePathField


class Flag(models.Model):
    """One anomaly found by one rule over one set of evidence."""

    ACCESS_PATHS = ("superior_path",)

    rule = models.CharField(_("rule"), max_length=24, choices=Rule.choices)
    key = models.CharField(_("key"), max_length=64, unique=True, editable=False)
    state = models.CharField(
        _("status"), max_length=8, choices=FlagState.choices, default=FlagState.OPEN
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organisation responsible"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    superior = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("shown to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    superior_path = ScopePathField(source="superior")
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    seen_at = models.DateTimeField(_("last found"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.CharField(_("reason for closing"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("anomaly flag")
        verbose_name_plural = _("anomaly flags")
        ordering = ["-found_at", "-pk"]
        indexes = [
            models.Index(fields=["superior_path", "state"], name="anomaly_flag_scope"),
            models.Index(fields=["rule", "state"], name="anomaly_flag_rule"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state=FlagState.OPEN)
                | (models.Q(closed_at__isnull=False) & ~models.Q(close_reason="")),
                name="closed_anomaly_flag_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} #{self.pk}"


class FlagRecord(models.Model):
    """A service record that is evidence of a flag."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="record_links")
    record = models.ForeignKey(
        "hours.HourRecord", on_delete=models.PROTECT, related_name="anomaly_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flag", "record"], name="one_link_per_flag_record")
        ]

    def __str__(self) -> str:
        return f"{self.flag_id} · {self.record_id}"


class FlagVolunteer(models.Model):
    """A registration that is evidence of a flag (or whose hours are)."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="volunteer_links")
    volunteer = models.ForeignKey(
        "volunteers.Volunteer", on_delete=models.PROTECT, related_name="anomaly_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "volunteer"], name="one_link_per_flag_volunteer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.flag_id} · {self.volunteer_id}"


class FlagPerson(models.Model):
    """A person responsible for a flag's evidence, and how."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="anomaly_links"
    )
    role = models.CharField(_("responsible as"), max_length=12, choices=Responsibility.choices)

    class Meta:
        ordering = ["role", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "user", "role"], name="one_link_per_flag_person_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.flag_id} · {self.user_id} · {self.role}"


class AddressMark(models.Model):
    """The keyed digest of a registration's home address (its division and the address's
    text, normalised), kept by the detection for the address-burst rule: the address itself is
    encrypted and cannot be grouped in SQL (as mobiles have `mobile_digest`). Filled for new
    registrations, and changed ones, at each run (`rules.mark_addresses`)."""

    volunteer = models.OneToOneField(
        "volunteers.Volunteer", on_delete=models.CASCADE, related_name="address_mark"
    )
    digest = models.CharField(max_length=64, db_index=True)
    # The registration's `updated_at` when marked: a later change of the address marks it again.
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.volunteer_id}"
