"""The registration policy of an organisation (age rules, re-registration, number format,
privacy-notice version) and its checks; the nearest ancestor's policy applies
(`selectors.policy_for`)."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhiyuan.common.audit import log_action
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.volunteers.models import RegistrationPolicy
from zhiyuan.volunteers.services._shared import require

# Body code first (no code starts another), then the year, then a fixed-width sequence: the
# numbers of different bodies and years can never meet. Anything freer let "{{code}}..." (a
# literal "{code}") through, and bodies then issued the same numbers.
_NUMBER_FORMAT = re.compile(r"\{code\}-?\{(yy|yyyy)\}-?\{seq:0[4-9]d\}")


POLICY_FIELDS = (
    "minimum_age",
    "adult_age",
    "own_income_age",
    "reregistration_required",
    "number_format",
    "privacy_notice_version",
)


def _check_policy(policy: RegistrationPolicy) -> None:
    errors: dict[str, str] = {}
    if not 10 <= policy.minimum_age <= policy.own_income_age <= policy.adult_age <= 21:
        errors["minimum_age"] = _(
            "Ages must run minimum ≤ own-income age ≤ age of majority, between 10 and 21."
        )
    if not _NUMBER_FORMAT.fullmatch(policy.number_format or ""):
        errors["number_format"] = _(
            "Write the body code, the year and the zero-padded sequence in this order, "
            "with or without hyphens between them: {code}{yy}{seq:06d} or "
            "{code}-{yyyy}-{seq:05d} (4 to 9 digits)."
        )
    if not policy.privacy_notice_version.strip():
        errors["privacy_notice_version"] = _("Give the version of the privacy notice.")
    if errors:
        raise ValidationError(errors)


def set_policy(organization: Organization, *, actor: Any, **fields: Any) -> RegistrationPolicy:
    """Set the registration policy of `organization` (it applies to its subtree where no
    nearer policy exists). Administrators covering the organisation only.
    Raises PermissionDenied, ValidationError. Audit: registration_policy.changed."""
    require(actor, organization, ADMINISTERING)
    with transaction.atomic():
        policy = RegistrationPolicy.objects.select_for_update().filter(
            organization=organization
        ).first() or RegistrationPolicy(organization=organization)
        for name in POLICY_FIELDS:
            if name in fields:
                setattr(policy, name, fields[name])
        _check_policy(policy)
        policy.save()
        log_action(
            actor,
            "registration_policy.changed",
            policy,
            organization=organization,
            data={name: getattr(policy, name) for name in POLICY_FIELDS},
        )
    return policy
