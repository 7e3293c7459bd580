"""Reads of accounts and roles, always through the access layer (`zhiyuan.organizations.access`).

An administrator manages the accounts that hold at least one role inside the subtrees they
administer. Platform staff accounts are never managed from here (the Django admin is theirs).
"""

import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode

from zhiyuan.accounts.models import Role, User, mobile_digest
from zhiyuan.common import crypto
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.organizations.access import scope, scope_prefixes
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING

RESET_TICKET_SALT = "zhiyuan.accounts.password_reset_ticket"
RESET_TICKET_SECONDS = 10 * 60


def login_key(identifier: str) -> str:
    """The canonical form of a log-in identifier: a mobile number in its 11-digit form, else the
    identifier stripped. Failed log-ins are counted per canonical form, so writing one number in
    several ways (spaces, +86, full-width digits) does not buy extra attempts.

    Usernames never look like mobile numbers (`services.USERNAME_RULES`), so this is unambiguous.
    """
    identifier = (identifier or "").strip()
    try:
        return normalize_mobile(identifier)
    except ValidationError:
        return identifier


#: Something typed that looks like a phone number without being a valid one ("139000000011",
#: a digit too many): it is somebody's number all the same, give or take a digit.
_PHONE_LIKE = re.compile(r"[\d\s()+.\-]*\d[\d\s()+.\-]*")


def axes_key(identifier: str) -> str:
    """What django-axes records for a log-in identifier: `login_key`, with a mobile number
    replaced by `m:` and its keyed digest (phones are never stored in clear, PIPL art. 51),
    and anything else made of digits and phone punctuation (a mistyped number) by `p:` and
    the keyed digest of its digits."""
    key = login_key(identifier)
    if key.isdigit() and len(key) == 11:
        return "m:" + mobile_digest(key)
    if _PHONE_LIKE.fullmatch(key) and sum(ch.isdigit() for ch in key) >= 5:
        digits = unicodedata.normalize("NFKC", "".join(ch for ch in key if ch.isdigit()))
        return "p:" + crypto.lookup_digest(digits, purpose="login-identifier")
    return key


def accounts_for(identifier: str) -> list[User]:
    """Active accounts a log-in identifier names: one by username, or all sharing a mobile."""
    identifier = identifier.strip()
    by_username = list(User.objects.filter(username=identifier, is_active=True))
    if by_username:
        return by_username
    try:
        mobile = normalize_mobile(identifier)
    except ValidationError:
        return []
    return accounts_with_mobile(mobile)


def people_sharing(identifier: str, password: str) -> list[User]:
    """The accounts of a mobile number shared by several people whose password is `password`
    (the log-in then asks which person); [] for an identifier naming at most one account.

    For one account no password is checked here (authenticate() checks it), so a log-in with
    a known username costs one password hash, as one with an unknown name does; checking
    here as well made a known name take twice as long, which told who has an account.
    """
    accounts = accounts_for(identifier)
    if len(accounts) < 2:
        return []
    return [user for user in accounts if user.check_password(password)]


def accounts_with_mobile(mobile: str) -> list[User]:
    """Active accounts whose mobile is `mobile` (11-digit national form), oldest first."""
    return list(
        User.objects.filter(mobile_digest=mobile_digest(mobile), is_active=True).order_by("pk")
    )


def roles_in_scope(actor: Any, queryset: QuerySet[Role] | None = None) -> QuerySet[Role]:
    """Roles on organisations inside the subtrees `actor` administers."""
    return scope(actor, queryset if queryset is not None else Role.objects.all(), ADMINISTERING)


def manageable_accounts(actor: Any) -> QuerySet[User]:
    """Accounts holding at least one role inside the subtrees `actor` administers.

    Platform staff accounts are left out unless `actor` is platform staff (superuser) too;
    a superuser sees every account.
    """
    if scope_prefixes(actor, ADMINISTERING) is None:
        return User.objects.all()
    user_ids = roles_in_scope(actor).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_staff=False, is_superuser=False)


def search_accounts(actor: Any, query: str = "") -> QuerySet[User]:
    """Manageable accounts matching `query`, by name, ordered by name then username.

    `query` matches part of a name or username; a complete mobile number (in any common
    writing) matches the accounts with that number, since mobiles are stored encrypted and can
    only be compared whole. Each account comes with `visible_roles` (its roles inside the
    scope, organisation joined).
    """
    accounts = manageable_accounts(actor)
    query = (query or "").strip()
    if query:
        condition = Q(name__icontains=query) | Q(username__icontains=query)
        with suppress(ValidationError):  # not a whole mobile number: names only
            condition |= Q(mobile_digest=mobile_digest(normalize_mobile(query)))
        accounts = accounts.filter(condition)
    visible = roles_in_scope(actor).select_related("organization").order_by("organization__path")
    return accounts.prefetch_related(
        Prefetch("roles", queryset=visible, to_attr="visible_roles")
    ).order_by("name", "username")


def get_manageable_account(actor: Any, pk: Any) -> User:
    """The manageable account `pk`, else Http404 (out-of-scope accounts do not exist for you)."""
    try:
        return manageable_accounts(actor).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def outside_roles(actor: Any, user: User) -> QuerySet[Role]:
    """Roles of `user` on organisations outside the subtrees `actor` administers."""
    inside = roles_in_scope(actor, user.roles.all()).values("pk")
    return user.roles.exclude(pk__in=inside)


def is_fully_managed(actor: Any, user: User) -> bool:
    """Whether every role of `user` lies inside the subtrees `actor` administers, so that
    `actor` may act on the whole account (deactivate, edit, change the mobile)."""
    if scope_prefixes(actor, ADMINISTERING) is None:
        return True
    return not outside_roles(actor, user).exists()


def administrator_roles(user: User) -> QuerySet[Role]:
    """`user`'s administrator roles on active organisations."""
    return user.roles.filter(kind=RoleKind.ADMINISTRATOR, organization__is_active=True)


def home_organization(user: User) -> Organization | None:
    """The highest organisation `user` holds a role on (audit entries about the account go
    there, so the administrators of that subtree see them)."""
    role = user.roles.select_related("organization").order_by("organization__depth", "pk").first()
    return role.organization if role else None


def scope_audit(actor: Any) -> QuerySet[AuditEntry]:
    """Audit entries placed inside the subtrees `actor` administers."""
    return scope(actor, AuditEntry.objects.all(), ADMINISTERING)


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit list. `action` is a prefix of the action type; `since` and
    `until` are local dates (inclusive); `person` the id of the user who acted; `organization`
    a subtree where the entries were placed. Empty values filter nothing."""

    action: str = ""
    since: date | None = None
    until: date | None = None
    person: int | None = None
    organization: Organization | None = None


def audit_entries(actor: Any, filters: AuditFilter | None = None) -> QuerySet[AuditEntry]:
    """The administrator's audit list (web page and API alike): entries inside the subtrees
    `actor` administers, newest first, narrowed by `filters`, with actor and organisation
    joined."""
    filters = filters or AuditFilter()
    entries = scope_audit(actor)
    action = (filters.action or "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    if filters.since is not None:
        entries = entries.filter(created_at__gte=_local_midnight(filters.since))
    if filters.until is not None:
        entries = entries.filter(created_at__lt=_local_midnight(filters.until + timedelta(days=1)))
    if filters.person is not None:
        entries = entries.filter(actor_id=filters.person)
    if filters.organization is not None:
        entries = entries.filter(organization__path__startswith=filters.organization.path)
    return entries.select_related("actor", "organization")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_people(actor: Any) -> QuerySet[User]:
    """Who acted in the entries `actor` may read (the audit list's "person" choices), by name:
    nobody else is named."""
    acted = scope_audit(actor).exclude(actor=None).values("actor_id")
    return (
        User.objects.filter(pk__in=acted)
        .order_by("name", "username")
        .only("pk", "name", "username")
    )


def invited_account(uidb64: str) -> User | None:
    """The active account an invitation link names (its token is checked by the service)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def read_reset_ticket(ticket: str) -> dict[str, Any] | None:
    """The content of a password-reset ticket (`services.verify_reset_code`): `c`, the SmsCode
    id, and `u`, the account ids; None when forged or older than RESET_TICKET_SECONDS."""
    try:
        data: dict[str, Any] = signing.loads(
            ticket, salt=RESET_TICKET_SALT, max_age=RESET_TICKET_SECONDS
        )
    except signing.BadSignature:
        return None
    return data


def reset_ticket_accounts(ticket: str) -> list[User]:
    """The active accounts a password-reset ticket lets the person choose from."""
    data = read_reset_ticket(ticket)
    if data is None:
        return []
    return list(User.objects.filter(pk__in=data["u"], is_active=True).order_by("pk"))
