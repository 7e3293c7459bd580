"""Who may do what in recognition: the policy of the app (the mechanism is
`organizations.access`: a role on an organisation covers its subtree).

The association's office reviews star levels (志愿服务条例 第三十二条; 中国注册志愿者管理办法: 星级
认定由注册机构负责): the administrators of the organisation a volunteer registered through, or above
it, propose, review, publish the notice, answer objections, award, decide flagged awards and set
the recognition policy. Every role in the subtree reads the lists. Services call `require_*`
(PermissionDenied); views ask the predicates only what to show. `actor` None is the operator
at the command line, a periodic job, or the volunteer on the portal (whose services check the
volunteer's own session instead).
"""

import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from zhiyuan.common.masking import mask_phone
from zhiyuan.organizations.access import covers, scope_prefixes
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING

#: Propose, review, award, answer objections, decide flagged awards, set the policy.
REVIEWING = ADMINISTERING


def reviews(user: Any, organization: Organization) -> bool:
    """Whether `user` reviews the awards of volunteers registered through `organization`."""
    return covers(user, organization, REVIEWING)


def reviews_anywhere(user: Any) -> bool:
    return scope_prefixes(user, REVIEWING) != []


def require_reviews(actor: Any, organization: Organization) -> None:
    """Raises PermissionDenied unless `actor` (None: the operator) administers `organization`
    or an organisation above it."""
    if actor is not None and not reviews(actor, organization):
        raise PermissionDenied(
            _("Only the administrators of the volunteer's organisation or above it decide awards.")
        )


def require_sets_policy(actor: Any, organization: Organization) -> None:
    if actor is not None and not covers(actor, organization, ADMINISTERING):
        raise PermissionDenied(
            _("You can only act on organisations inside the area you administer.")
        )


_DIGITS = re.compile(r"\d{7,}")


def shown_contact(user: Any, objection: Any) -> str:
    """An objection's contact as `user` may see it: only to those who review the award
    (`reviews`), with any phone or ID number in it masked (138****5678); "" to anyone else.
    The objector is a member of the public: their contact does not reach the volunteer's team
    or registration staff, on the pages or over the API."""
    if not objection.contact or not reviews(user, objection.award.organization):
        return ""
    return _DIGITS.sub(lambda found: mask_phone(found.group()), objection.contact)
