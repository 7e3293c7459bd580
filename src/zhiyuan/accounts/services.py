"""Writes to accounts and roles: creation, invitations, activation, roles, bulk import and
password reset. The web views, the REST API and the `import_accounts` command all call these.

Rules (issue 2, item 4):
- An administrator acts only inside the subtrees they administer: every organisation named must
  lie there, and an account may be deactivated, edited or invited only when every role it holds
  lies there (`selectors.is_fully_managed`). Platform staff accounts are never touched.
- Nobody locks themselves out: an administrator cannot deactivate their own account or revoke
  their own last administrator role.
- Every change writes an audit entry placed on an organisation of the subtree, so that its
  administrators see it. Mobiles appear in audit data only masked.
- Access refusals raise PermissionDenied (a 403 in the web and the API); bad input raises
  ValidationError with field keys and codes; nothing is written in either case.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from axes.utils import reset as reset_failed_logins
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from knox.models import get_token_model

from zhiyuan.accounts import permissions, selectors, sms_codes
from zhiyuan.accounts.models import Role, User, mobile_digest
from zhiyuan.common.audit import Change, log_action, log_actions
from zhiyuan.common.masking import mask_phone
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.phones import normalize_mobile
from zhiyuan.common.text import has_control_characters, refuse_personal_number
from zhiyuan.organizations import permissions as org_permissions
from zhiyuan.organizations import selectors as org_selectors
from zhiyuan.organizations.access import forget_scope
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

USERNAME_RULES = re.compile(r"[\w.@+-]{3,50}")
NAME_MAX = 50

#: Role names accepted in spreadsheets, besides the stored values ("team_leader").
ROLE_NAMES: dict[str, str] = {
    "管理员": RoleKind.ADMINISTRATOR,
    "登记员": RoleKind.REGISTRAR,
    "队长": RoleKind.TEAM_LEADER,
    "核查员": RoleKind.CHECKER,
    "查看员": RoleKind.VIEWER,
    "administrator": RoleKind.ADMINISTRATOR,
    "admin": RoleKind.ADMINISTRATOR,
    "registrar": RoleKind.REGISTRAR,
    "team leader": RoleKind.TEAM_LEADER,
    "checker": RoleKind.CHECKER,
    "viewer": RoleKind.VIEWER,
}
MAX_IMPORT_ROWS = 2000

RESET_PURPOSE = "password_reset"


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """One-time invitation tokens: they stop working once the password is set (the token hashes
    the password) and after PASSWORD_RESET_TIMEOUT seconds (Django's default: three days)."""

    key_salt = "zhiyuan.accounts.InvitationTokenGenerator"


invitation_tokens = InvitationTokenGenerator()


@dataclass(frozen=True)
class Invitation:
    """An invitation to set a password: the link (shown to the administrator) and whether it
    also went out by SMS (only when the account has a mobile)."""

    user: User
    link: str
    sms_sent: bool


# --- shared checks -------------------------------------------------------------------------


def _refuse(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Enter the person's name."), code="required")
    if has_control_characters(name):
        raise ValidationError(
            _("The name holds invisible control characters. Type it again."),
            code="control_characters",
        )
    if len(name) > NAME_MAX:
        raise ValidationError(
            _("A name has at most %(max)s characters."), code="max_length", params={"max": NAME_MAX}
        )
    return refuse_personal_number(name)


def _clean_username(username: str) -> str:
    """3–50 letters, digits or . @ + - _; never only digits, so that a username can never be
    mistaken for somebody's mobile number at log-in (`selectors.login_key`)."""
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("Enter a username."), code="required")
    if not USERNAME_RULES.fullmatch(username):
        raise ValidationError(
            _("A username has 3 to 50 letters, digits or the signs . @ + - _ and no spaces."),
            code="invalid_username",
        )
    if re.fullmatch(r"[\d+]+", username):
        raise ValidationError(
            _("A username cannot be only digits: it could be mistaken for a mobile number."),
            code="numeric_username",
        )
    # Usernames are shown in clear (the audit log, account lists): no mobile or ID inside.
    return refuse_personal_number(username)


def _username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _taken_error() -> ValidationError:
    return ValidationError(_("This username is already taken."), code="username_taken")


def _clean_kind(kind: str) -> str:
    key = (kind or "").strip()
    value = ROLE_NAMES.get(key.lower(), key.lower().replace(" ", "_"))
    if value not in RoleKind.values:
        raise ValidationError(
            _("Unknown role %(role)s. Use 管理员, 登记员, 队长, 核查员 or 查看员."),
            code="invalid_role",
            params={"role": key},
        )
    return value


def _collect(checks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[ValidationError]]]:
    """Run each `field -> zero-argument check`; return the cleaned values and the errors."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name, check in checks.items():
        try:
            cleaned[name] = check()
        except ValidationError as exc:
            errors[name] = exc.error_list
    return cleaned, errors


def _audit_account(user: User, **data: Any) -> dict[str, Any]:
    return {"username": user.username, **data}


# --- accounts ------------------------------------------------------------------------------


def create_account(
    *, actor: Any, name: str, username: str, mobile: str, organization: Organization, kind: str
) -> User:
    """Create an account holding its first role (`kind` on `organization`).

    The account has no usable password until the person follows an invitation
    (`invite_account`) or resets it by SMS code.
    Raises PermissionDenied when `organization` is not inside `actor`'s subtrees, and
    ValidationError (keys name, username, mobile, kind) for bad or taken values.
    Audit: `account.created` and `role.granted`, on `organization`.
    """
    permissions.require_administers_active(actor, organization)
    cleaned, errors = _collect(
        {
            "name": partial(_clean_name, name),
            "username": partial(_clean_username, username),
            "mobile": partial(normalize_mobile, mobile),
            "kind": partial(_clean_kind, kind),
        }
    )
    if "username" in cleaned and _username_taken(cleaned["username"]):
        errors["username"] = [_taken_error()]
    if errors:
        raise ValidationError(errors)
    user = User(username=cleaned["username"], name=cleaned["name"], mobile=cleaned["mobile"])
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
            role = Role.objects.create(
                user=user, organization=organization, kind=cleaned["kind"], granted_by=actor
            )
            log_actions(actor, _creation_changes(user, role))
    except IntegrityError:
        raise ValidationError({"username": [_taken_error()]}) from None
    return user


def _creation_changes(user: User, role: Role) -> list[Change]:
    org = role.organization
    return [
        Change(
            "account.created",
            user,
            org,
            _audit_account(
                user, mobile=mask_phone(user.mobile), role=role.kind, organization=org.code
            ),
        ),
        Change(
            "role.granted", role, org, _audit_account(user, role=role.kind, organization=org.code)
        ),
    ]


def update_account(
    user: User, *, actor: Any, name: str | None = None, mobile: str | None = None
) -> User:
    """Change the name and/or mobile of `user` (None leaves a value as it is).

    Only an administrator covering every role of the account may do this: changing the mobile
    redirects password-reset codes. Raises PermissionDenied or ValidationError (name, mobile).
    Audit: `account.updated` with the changed fields (the mobile masked).
    """
    permissions.require_fully_managed(actor, user)
    checks: dict[str, Any] = {}
    if name is not None:
        checks["name"] = partial(_clean_name, name)
    if mobile is not None:
        checks["mobile"] = partial(normalize_mobile, mobile)
    cleaned, errors = _collect(checks)
    if errors:
        raise ValidationError(errors)
    changed: dict[str, list[str]] = {}
    if cleaned.get("name", user.name) != user.name:
        changed["name"] = [user.name, cleaned["name"]]
    if cleaned.get("mobile", user.mobile) != user.mobile:
        changed["mobile"] = [mask_phone(user.mobile), mask_phone(cleaned["mobile"])]
    if not changed:
        return user
    user.name = cleaned.get("name", user.name)
    user.mobile = cleaned.get("mobile", user.mobile)
    with transaction.atomic():
        user.save(update_fields=["name", "mobile", "mobile_digest"])
        log_action(
            actor,
            "account.updated",
            user,
            organization=selectors.home_organization(user),
            data=_audit_account(user, changed=changed),
        )
    return user


def revoke_api_tokens(user: User) -> None:
    """End every API log-in of `user` (knox tokens). Sessions need no help: Django drops a
    session whose password hash no longer matches, or whose user is inactive."""
    get_token_model().objects.filter(user=user).delete()


def _set_active(user: User, *, actor: Any, active: bool) -> User:
    permissions.require_fully_managed(actor, user)
    if not active and actor is not None and user.pk == actor.pk:
        raise _refuse(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            revoke_api_tokens(user)
        log_action(
            actor,
            "account.reactivated" if active else "account.deactivated",
            user,
            organization=selectors.home_organization(user),
            data=_audit_account(user),
        )
    return user


def deactivate_account(user: User, *, actor: Any) -> User:
    """Deactivate `user`: they can no longer log in (sessions stop working, API tokens are
    deleted, so a later reactivation does not revive them); roles and records stay. Allowed
    only when every role of the account lies inside `actor`'s subtrees, and never on oneself.
    Raises PermissionDenied. Audit: `account.deactivated`."""
    return _set_active(user, actor=actor, active=False)


def reactivate_account(user: User, *, actor: Any) -> User:
    """Undo `deactivate_account` (same rules). Audit: `account.reactivated`."""
    return _set_active(user, actor=actor, active=True)


# --- invitations ---------------------------------------------------------------------------


def invitation_path(user: User) -> str:
    """The site-relative path of a fresh invitation link for `user`."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:invitation", args=[uid, invitation_tokens.make_token(user)])


def _invite(user: User, site_url: str | None) -> Invitation:
    link = (site_url or settings.SITE_URL).rstrip("/") + invitation_path(user)
    if user.mobile:
        params = {"name": user.name, "link": link}
        transaction.on_commit(partial(send_sms, user.mobile, "account_invitation", params))
    return Invitation(user=user, link=link, sms_sent=bool(user.mobile))


def invite_account(user: User, *, actor: Any, site_url: str | None = None) -> Invitation:
    """Make a one-time link for `user` to set their password, send it by SMS (after commit)
    and return it so that the administrator can pass it on too.

    `site_url` is the scheme and host the link starts with (default: settings.SITE_URL).
    The link also serves to reset a forgotten password. Allowed only when every role of the
    account lies inside `actor`'s subtrees, since whoever holds the link can set the password.
    Raises PermissionDenied, or ValidationError (code "inactive") for a deactivated account.
    Audit: `account.invited` (whether an SMS went out; never the link).
    """
    permissions.require_fully_managed(actor, user)
    if not user.is_active:
        raise ValidationError(
            _("This account is deactivated. Reactivate it first."), code="inactive"
        )
    with transaction.atomic():
        invitation = _invite(user, site_url)
        log_action(
            actor,
            "account.invited",
            user,
            organization=selectors.home_organization(user),
            data=_audit_account(user, sms=invitation.sms_sent),
        )
    return invitation


def accept_invitation(user: User, token: str, *, password: str) -> User:
    """Set `user`'s password from an invitation link (`selectors.invited_account` finds `user`).

    Raises ValidationError: code "invalid_link" when the token is wrong, used or expired or the
    account is deactivated; the password validators' codes (key "password") otherwise.
    Every API token of the account is deleted: whoever held one must log in with the new
    password. Audit: `account.password_set`, by the user.
    """
    if not user.is_active or not invitation_tokens.check_token(user, token):
        raise ValidationError(
            _("This invitation link is not valid any more. Ask your administrator for a new one."),
            code="invalid_link",
        )
    return _set_password(user, password, action="account.password_set", via="invitation")


def _set_password(user: User, password: str, *, action: str, via: str) -> User:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        revoke_api_tokens(user)
        log_action(
            user,
            action,
            user,
            organization=selectors.home_organization(user),
            data=_audit_account(user, via=via),
        )
    # A person who proved they own the account starts afresh after earlier failed log-ins.
    reset_failed_logins(username=user.username)
    if user.mobile:
        reset_failed_logins(username=selectors.axes_key(user.mobile))
    return user


# --- roles ---------------------------------------------------------------------------------


def grant_role(user: User, *, actor: Any, organization: Organization, kind: str) -> Role:
    """Give `user` the role `kind` on `organization` (which covers its subtree).

    `user` must already be manageable by `actor` (new people come in through
    `create_account`), and `organization` must be active and inside `actor`'s subtrees, so a
    role is never granted above the administrator's own subtree.
    Raises PermissionDenied, or ValidationError (key kind: unknown or already held).
    Audit: `role.granted`, on `organization`.
    """
    permissions.require_manageable(actor, user)
    permissions.require_administers_active(actor, organization)
    kind = _clean_kind(kind)
    if Role.objects.filter(user=user, organization=organization, kind=kind).exists():
        raise ValidationError(
            {"kind": [_("This person already holds this role on this organisation.")]}
        )
    try:
        with transaction.atomic():
            role = Role.objects.create(
                user=user, organization=organization, kind=kind, granted_by=actor
            )
            log_action(
                actor,
                "role.granted",
                role,
                organization=organization,
                data=_audit_account(user, role=kind, organization=organization.code),
            )
    except IntegrityError:
        raise ValidationError(
            {"kind": [_("This person already holds this role on this organisation.")]}
        ) from None
    forget_scope(user)
    return role


def revoke_role(role: Role, *, actor: Any) -> None:
    """Take `role` away. Its organisation must lie inside `actor`'s subtrees; an
    administrator cannot revoke their own last administrator role (they would lock themselves
    out). Raises PermissionDenied. Audit: `role.revoked`, on the role's organisation."""
    user = role.user
    organization = role.organization
    permissions.require_manageable(actor, user)
    org_permissions.require_administers(actor, organization)
    if (
        actor is not None
        and user.pk == actor.pk
        and role.kind == RoleKind.ADMINISTRATOR
        and not selectors.administrator_roles(user).exclude(pk=role.pk).exists()
    ):
        raise _refuse(_("This is your last administrator role: revoking it would lock you out."))
    with transaction.atomic():
        log_action(
            actor,
            "role.revoked",
            role,
            organization=organization,
            data=_audit_account(user, role=role.kind, organization=organization.code),
        )
        role.delete()
    forget_scope(user)


# --- bulk import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    """One spreadsheet row as read, before validation. `row` is the row number the
    spreadsheet program shows (the header is row 1)."""

    row: int
    name: str = ""
    username: str = ""
    mobile: str = ""
    organization: str = ""
    role: str = ""


@dataclass(frozen=True)
class RowProblem:
    """What is wrong in one cell (`column` is an AccountRow field name) or, with column "",
    in the whole row."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """The outcome of `import_accounts`. When `problems` is not empty nothing was written."""

    dry_run: bool
    rows: int
    problems: list[RowProblem] = field(default_factory=list)
    created: list[User] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _ValidRow:
    row: int
    name: str
    username: str
    mobile: str
    organization: Organization
    kind: str


def _validate_rows(
    rows: Sequence[AccountRow], actor: Any
) -> tuple[list[_ValidRow], list[RowProblem]]:
    organizations = _organizations_by_code(actor, {row.organization.strip() for row in rows})
    # Only well-formed usernames are looked up: a NUL in a cell would make PostgreSQL refuse
    # the query; malformed ones are reported by _clean_username anyway.
    usernames = {
        row.username.strip().lower()
        for row in rows
        if USERNAME_RULES.fullmatch(row.username.strip())
    }
    taken = set(
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=usernames)
        .values_list("lower", flat=True)
    )
    seen: dict[str, int] = {}
    valid: list[_ValidRow] = []
    problems: list[RowProblem] = []
    for row in rows:
        cleaned, errors = _collect(
            {
                "name": partial(_clean_name, row.name),
                "username": partial(_clean_username, row.username),
                "mobile": partial(normalize_mobile, row.mobile),
                "organization": partial(_organization_in, organizations, row.organization),
                "role": partial(_clean_kind, row.role),
            }
        )
        username = cleaned.get("username", "").lower()
        if username in taken:
            errors["username"] = [_taken_error()]
        elif username in seen:
            errors["username"] = [
                ValidationError(
                    _("The same username is already on row %(row)s."),
                    params={"row": seen[username]},
                )
            ]
        elif username:
            seen[username] = row.row
        for column, column_errors in errors.items():
            for error in column_errors:
                problems.extend(RowProblem(row.row, column, message) for message in error.messages)
        if not errors:
            valid.append(_ValidRow(row.row, kind=cleaned.pop("role"), **cleaned))
    return valid, problems


def _organizations_by_code(actor: Any, codes: set[str]) -> dict[str, Organization]:
    plausible = {code for code in codes if code and not has_control_characters(code)}
    found = org_selectors.administered_organizations(actor).filter(code__in=plausible)
    return {org.code: org for org in found}


def _organization_in(organizations: dict[str, Organization], code: str) -> Organization:
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("Enter the organisation code."), code="required")
    if code not in organizations:
        raise ValidationError(
            _("No active organisation with code %(code)s in the area you administer."),
            code="unknown_organization",
            params={"code": code},
        )
    return organizations[code]


def import_accounts(
    rows: Sequence[AccountRow], *, actor: Any, dry_run: bool = False, site_url: str | None = None
) -> ImportReport:
    """Create one account per row, each with its role, and invite them all by SMS.

    All or nothing: every row is validated first (name, username free and unique in the
    file, mobile, organisation code inside `actor`'s subtrees, role); if any row has a problem
    the report lists them all by row and column and nothing is written. With `dry_run` the rows
    are only checked. Raises ValidationError (code "too_many_rows") beyond MAX_IMPORT_ROWS.
    Audit: `account.created`, `role.granted` and `account.invited` per row (bulk).
    """
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(
            _("A file may hold at most %(max)s accounts; split it into several files."),
            code="too_many_rows",
            params={"max": MAX_IMPORT_ROWS},
        )
    report = ImportReport(dry_run=dry_run, rows=len(rows))
    valid, report.problems = _validate_rows(rows, actor)
    if report.problems or dry_run:
        return report
    try:
        with transaction.atomic():
            _create_imported(valid, actor, site_url, report)
    except IntegrityError:
        # A username was taken between validation and writing: report it, write nothing.
        report.created, report.invitations = [], []
        report.problems = [
            RowProblem(0, "username", _("A username was taken meanwhile. Import the file again."))
        ]
    return report


def _create_imported(
    valid: list[_ValidRow], actor: Any, site_url: str | None, report: ImportReport
) -> None:
    users = []
    for item in valid:
        user = User(username=item.username, name=item.name, mobile=item.mobile)
        user.mobile_digest = mobile_digest(item.mobile)  # bulk_create skips User.save()
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    roles = Role.objects.bulk_create(
        Role(user=user, organization=item.organization, kind=item.kind, granted_by=actor)
        for user, item in zip(users, valid, strict=True)
    )
    changes: list[Change] = []
    for user, role in zip(users, roles, strict=True):
        changes.extend(_creation_changes(user, role))
        invitation = _invite(user, site_url)
        report.invitations.append(invitation)
        changes.append(
            Change(
                "account.invited",
                user,
                role.organization,
                _audit_account(user, sms=invitation.sms_sent, bulk=True),
            )
        )
    log_actions(actor, changes)
    report.created = users


# --- password reset by SMS code ------------------------------------------------------------


@dataclass(frozen=True)
class ResetTicket:
    """Proof that the code sent to a mobile was entered: `token` (signed, valid
    selectors.RESET_TICKET_SECONDS) and the accounts sharing that mobile, among which the person
    chooses (`reset_password`)."""

    token: str
    accounts: list[User]


def send_reset_code(mobile: str) -> None:
    """Send a six-digit password-reset code to `mobile` (valid sms_codes.CODE_MINUTES minutes).

    The answer is the same whether or not accounts use the number: the code is recorded (only
    its keyed hash) either way, and the SMS goes out only when one does. Rate limits as in
    `sms_codes.issue_code`.
    Raises ValidationError: code "invalid_mobile", "too_soon" (params: seconds) or
    "too_many_today" (params: count).
    """
    mobile = normalize_mobile(mobile)
    known = bool(selectors.accounts_with_mobile(mobile))
    sms_codes.issue_code(mobile, RESET_PURPOSE, template="password_reset_code", send=known)


def verify_reset_code(mobile: str, code: str) -> ResetTicket:
    """Check `code` against the latest code sent to `mobile`.

    A code works once it is entered correctly before it expires and before
    sms_codes.MAX_ATTEMPTS wrong tries; each wrong try counts.
    Raises ValidationError: codes "invalid_mobile", "invalid_code" (also for numbers without
    accounts), "too_many_attempts".
    """
    mobile = normalize_mobile(mobile)
    sms = sms_codes.check_code(mobile, RESET_PURPOSE, code)
    accounts = selectors.accounts_with_mobile(mobile)
    if not accounts:
        raise sms_codes.wrong_code()
    token = signing.dumps(
        {"c": sms.pk, "u": [u.pk for u in accounts]}, salt=selectors.RESET_TICKET_SALT
    )
    return ResetTicket(token=token, accounts=accounts)


def reset_password(ticket: str, *, user_id: int, password: str) -> User:
    """Set a new password for account `user_id`, one of the accounts of a verified ticket
    (`verify_reset_code`). The code is used up by this; a second reset needs a new code.

    Raises ValidationError: code "invalid_ticket" (expired, forged, used, or `user_id` not
    among the ticket's accounts), or the password validators' (key "password").
    Every API token of the account is deleted. Audit: `account.password_reset`, by the user.
    """
    data = selectors.read_reset_ticket(ticket) or {"c": None, "u": []}
    user = None
    if user_id in data["u"]:
        user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError(
            _("This password reset has expired. Start again."), code="invalid_ticket"
        )
    with transaction.atomic():  # a password the validators refuse leaves the code unused
        if not sms_codes.use_code(data["c"]):
            raise ValidationError(
                _("This password reset has expired. Start again."), code="invalid_ticket"
            )
        return _set_password(user, password, action="account.password_reset", via="sms")
