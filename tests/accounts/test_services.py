"""Account and role services: the subtree rules, no self lock-out, audit entries, invitations."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tests.conftest import PASSWORD
from zhiyuan.accounts import selectors, services
from zhiyuan.accounts.models import Role, User
from zhiyuan.common.models import AuditEntry
from zhiyuan.common.sms import SmsMessage
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import administers_anything

pytestmark = pytest.mark.django_db

Org = Callable[[str], Organization]


def _create(actor: User, org: Organization, **fields: str) -> User:
    values = {
        "name": "林新人",
        "username": "lin_xinren",
        "mobile": "13811112222",
        "kind": RoleKind.REGISTRAR,
    }
    values.update(fields)
    return services.create_account(actor=actor, organization=org, **values)


def _codes(exc: ValidationError) -> dict[str, set[str]]:
    return {key: {e.code or "" for e in errors} for key, errors in exc.error_dict.items()}


# --- creating accounts ----------------------------------------------------------------------


def test_create_account_with_first_role_and_audit(street_admin: User, org: Org) -> None:
    station = org("430602001002-ST")
    user = _create(street_admin, station, mobile="+86 138-1111-2222")
    user.refresh_from_db()
    assert (user.name, user.username, user.mobile) == ("林新人", "lin_xinren", "13811112222")
    assert not user.has_usable_password()
    role = user.roles.get()
    assert (role.organization, role.kind, role.granted_by) == (
        station,
        RoleKind.REGISTRAR,
        street_admin,
    )
    entries = AuditEntry.objects.filter(actor=street_admin).order_by("id")
    assert [(e.action, e.organization, e.actor) for e in entries] == [
        ("account.created", station, street_admin),
        ("role.granted", station, street_admin),
    ]
    assert entries[0].data == {
        "username": "lin_xinren",
        "mobile": "138****2222",
        "role": "registrar",
        "organization": "430602001002-ST",
    }


def test_audit_never_holds_the_mobile_in_clear(street_admin: User, org: Org) -> None:
    user = _create(street_admin, org("430602001002-ST"))
    services.update_account(user, actor=street_admin, mobile="13833334444")
    services.invite_account(user, actor=street_admin)
    for entry in AuditEntry.objects.filter(data__username="lin_xinren"):
        text = str(entry.data) + entry.object_repr
        assert "13811112222" not in text and "13833334444" not in text


def test_create_account_outside_the_subtree_is_refused(street_admin: User, org: Org) -> None:
    for code in ("430602002-SC", "430602-GC", "4306-GC"):
        with pytest.raises(PermissionDenied):
            _create(street_admin, org(code))
    assert not User.objects.filter(username="lin_xinren").exists()


def test_create_account_on_an_inactive_organisation_is_refused(
    street_admin: User, org: Org
) -> None:
    Organization.objects.filter(code="430602001002-ST").update(is_active=False)
    with pytest.raises(PermissionDenied):
        _create(street_admin, org("430602001002-ST"))


@pytest.mark.parametrize("persona", ["registrar", "checker", "viewer", "team_leader", "nobody"])
def test_non_administrators_cannot_create(persona: str, org: Org, request) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        _create(actor, org("430602001001-TM"))
    assert not User.objects.filter(username="lin_xinren").exists()
    assert not AuditEntry.objects.filter(action="account.created").exists()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": " "}, {"name": {"required"}}),
        ({"username": "ab"}, {"username": {"invalid_username"}}),
        ({"username": "has space"}, {"username": {"invalid_username"}}),
        ({"username": "13800138000"}, {"username": {"numeric_username"}}),
        ({"username": "Street_Admin"}, {"username": {"username_taken"}}),
        ({"mobile": "12345"}, {"mobile": {"invalid_mobile"}}),
        ({"mobile": "010-12345678"}, {"mobile": {"invalid_mobile"}}),
        ({"kind": "boss"}, {"kind": {"invalid_role"}}),
        ({"name": "", "mobile": ""}, {"name": {"required"}, "mobile": {"invalid_mobile"}}),
        ({"name": "张\x00三"}, {"name": {"control_characters"}}),
        ({"name": "\u202e三张"}, {"name": {"control_characters"}}),  # shows as 张三
        ({"name": "张\x1b[31m三"}, {"name": {"control_characters"}}),
    ],
)
def test_create_account_bad_input(
    street_admin: User, org: Org, fields: dict[str, str], expected: dict[str, set[str]]
) -> None:
    before = User.objects.count()
    with pytest.raises(ValidationError) as caught:
        _create(street_admin, org("430602001002-ST"), **fields)
    assert _codes(caught.value) == expected
    assert User.objects.count() == before


def test_the_database_refuses_a_username_differing_only_in_case() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("STREET_ADMIN", "x", name="另一个人")


def test_chinese_role_names_are_accepted(street_admin: User, org: Org) -> None:
    user = _create(street_admin, org("430602001002-ST"), kind="队长")
    assert user.roles.get().kind == RoleKind.TEAM_LEADER


# --- invitations ----------------------------------------------------------------------------


def test_invitation_goes_by_sms_and_sets_the_password_once(
    street_admin: User, org: Org, outbox: list[SmsMessage], django_capture_on_commit_callbacks
) -> None:
    user = _create(street_admin, org("430602001002-ST"))
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_account(
            user, actor=street_admin, site_url="https://zy.example/"
        )
    assert invitation.sms_sent
    assert invitation.link.startswith("https://zy.example/accounts/invitation/")
    assert outbox == [
        SmsMessage("13811112222", "account_invitation", {"name": "林新人", "link": invitation.link})
    ]
    entry = AuditEntry.objects.get(action="account.invited")
    assert (entry.actor, entry.organization.code, entry.data) == (
        street_admin,
        "430602001002-ST",
        {"username": "lin_xinren", "sms": True},
    )
    uid, token = invitation.link.rstrip("/").split("/")[-2:]
    assert selectors.invited_account(uid) == user
    services.accept_invitation(user, token, password="lantern-river-42")
    user.refresh_from_db()
    assert user.check_password("lantern-river-42")
    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(user, token, password="another-river-43")
    assert caught.value.code == "invalid_link"
    assert AuditEntry.objects.filter(action="account.password_set", actor=user).count() == 1


def test_invitation_refuses_a_weak_password(street_admin: User, org: Org) -> None:
    user = _create(street_admin, org("430602001002-ST"))
    token = services.invitation_path(user).rstrip("/").split("/")[-1]
    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(user, token, password="short")
    assert _codes(caught.value) == {"password": {"password_too_short"}}
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_invitation_expires(street_admin: User, org: Org, settings) -> None:
    user = _create(street_admin, org("430602001002-ST"))
    token = services.invitation_path(user).rstrip("/").split("/")[-1]
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is older than this
    with pytest.raises(ValidationError) as caught:
        services.accept_invitation(user, token, password="lantern-river-42")
    assert caught.value.code == "invalid_link"


def test_invitation_of_a_deactivated_account_is_refused(street_admin: User, viewer: User) -> None:
    services.deactivate_account(viewer, actor=street_admin)
    with pytest.raises(ValidationError) as caught:
        services.invite_account(viewer, actor=street_admin)
    assert caught.value.code == "inactive"


def test_cannot_invite_an_account_with_roles_outside(
    street_admin: User, district_admin: User, org: Org
) -> None:
    services.grant_role(
        district_admin, actor=district_admin, organization=org("430602001-SC"), kind="viewer"
    )
    with pytest.raises(PermissionDenied):
        services.invite_account(district_admin, actor=street_admin)


# --- deactivation ---------------------------------------------------------------------------


def test_deactivate_and_reactivate(street_admin: User, viewer: User) -> None:
    services.deactivate_account(viewer, actor=street_admin)
    viewer.refresh_from_db()
    assert not viewer.is_active
    services.reactivate_account(viewer, actor=street_admin)
    viewer.refresh_from_db()
    assert viewer.is_active
    actions = list(
        AuditEntry.objects.filter(object_id=str(viewer.pk), object_type="accounts.user")
        .order_by("id")
        .values_list("action", "organization__code")
    )
    assert actions == [
        ("account.deactivated", "430602001-SC"),
        ("account.reactivated", "430602001-SC"),
    ]


def test_deactivation_refused_when_a_role_lies_outside(
    street_admin: User, viewer: User, org: Org, city_admin: User
) -> None:
    services.grant_role(viewer, actor=city_admin, organization=org("430602002-SC"), kind="viewer")
    with pytest.raises(PermissionDenied) as caught:
        services.deactivate_account(viewer, actor=street_admin)
    assert "管理范围之外" in str(caught.value)
    viewer.refresh_from_db()
    assert viewer.is_active
    assert not AuditEntry.objects.filter(action="account.deactivated").exists()


def test_cannot_deactivate_oneself(street_admin: User) -> None:
    with pytest.raises(PermissionDenied):
        services.deactivate_account(street_admin, actor=street_admin)
    street_admin.refresh_from_db()
    assert street_admin.is_active


def test_cannot_act_on_platform_staff(staff: User, street_admin: User, org: Org) -> None:
    Role.objects.create(user=staff, organization=org("430602001-SC"), kind=RoleKind.VIEWER)
    assert staff not in selectors.manageable_accounts(street_admin)
    with pytest.raises(PermissionDenied):
        services.deactivate_account(staff, actor=street_admin)
    with pytest.raises(PermissionDenied):
        services.grant_role(
            staff, actor=street_admin, organization=org("430602001-SC"), kind="checker"
        )
    with pytest.raises(PermissionDenied):
        services.revoke_role(staff.roles.get(), actor=street_admin)


def test_upper_administrator_may_deactivate_a_lower_one(
    district_admin: User, street_admin: User
) -> None:
    services.deactivate_account(street_admin, actor=district_admin)
    street_admin.refresh_from_db()
    assert not street_admin.is_active


def test_lower_administrator_cannot_deactivate_an_upper_one(
    street_admin: User, district_admin: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.deactivate_account(district_admin, actor=street_admin)


# --- roles ----------------------------------------------------------------------------------


def test_grant_role_inside_the_subtree(street_admin: User, viewer: User, org: Org) -> None:
    team = org("430602001001-TM")
    role = services.grant_role(viewer, actor=street_admin, organization=team, kind="team_leader")
    assert (role.user, role.organization, role.kind, role.granted_by) == (
        viewer,
        team,
        RoleKind.TEAM_LEADER,
        street_admin,
    )
    entry = AuditEntry.objects.get(action="role.granted")
    assert (entry.organization, entry.data) == (
        team,
        {"username": "viewer", "role": "team_leader", "organization": "430602001001-TM"},
    )


@pytest.mark.parametrize("code", ["430602-GC", "4306-GC", "430602002-SC", "YYETDZ-GC"])
def test_never_grant_above_or_beside_the_subtree(
    street_admin: User, viewer: User, org: Org, code: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.grant_role(
            viewer, actor=street_admin, organization=org(code), kind="administrator"
        )
    assert viewer.roles.count() == 1


def test_grant_to_an_account_outside_is_refused(
    street_admin: User, outsider: User, org: Org
) -> None:
    with pytest.raises(PermissionDenied):
        services.grant_role(
            outsider, actor=street_admin, organization=org("430602001-SC"), kind="viewer"
        )
    assert outsider.roles.count() == 1


def test_granting_a_role_held_already_is_a_validation_error(
    street_admin: User, viewer: User, org: Org
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.grant_role(
            viewer, actor=street_admin, organization=org("430602001-SC"), kind="viewer"
        )
    assert set(caught.value.error_dict) == {"kind"}


def test_granted_role_takes_effect_at_once(street_admin: User, viewer: User, org: Org) -> None:
    assert not administers_anything(viewer)
    services.grant_role(
        viewer, actor=street_admin, organization=org("430602001001-ST"), kind="administrator"
    )
    assert administers_anything(viewer)


@pytest.mark.parametrize("persona", ["registrar", "checker", "viewer", "team_leader"])
def test_non_administrators_cannot_grant_or_revoke(persona: str, org: Org, request) -> None:
    actor = request.getfixturevalue(persona)
    viewer = User.objects.get(username="viewer")
    with pytest.raises(PermissionDenied):
        services.grant_role(viewer, actor=actor, organization=org("430602001001-TM"), kind="viewer")
    with pytest.raises(PermissionDenied):
        services.revoke_role(viewer.roles.get(), actor=actor)
    assert list(viewer.roles.values_list("kind", flat=True)) == ["viewer"]
    assert not AuditEntry.objects.filter(action__startswith="role.").exists()


def test_revoke_role(street_admin: User, checker: User) -> None:
    role = checker.roles.get()
    services.revoke_role(role, actor=street_admin)
    assert not checker.roles.exists()
    entry = AuditEntry.objects.get(action="role.revoked")
    assert (entry.actor, entry.organization.code, entry.data) == (
        street_admin,
        "430602001-SC",
        {"username": "checker", "role": "checker", "organization": "430602001-SC"},
    )
    assert checker not in selectors.manageable_accounts(street_admin)


def test_cannot_revoke_a_role_outside(street_admin: User, district_admin: User) -> None:
    with pytest.raises(PermissionDenied):
        services.revoke_role(district_admin.roles.get(), actor=street_admin)


def test_cannot_revoke_ones_own_last_administrator_role(street_admin: User, org: Org) -> None:
    with pytest.raises(PermissionDenied) as caught:
        services.revoke_role(street_admin.roles.get(), actor=street_admin)
    assert "撤销后您将无法管理" in str(caught.value)
    assert street_admin.roles.count() == 1


def test_may_revoke_own_administrator_role_while_another_remains(
    street_admin: User, org: Org
) -> None:
    station = org("430602001001-ST")
    services.grant_role(
        street_admin, actor=street_admin, organization=station, kind="administrator"
    )
    services.revoke_role(
        street_admin.roles.get(organization__code="430602001-SC"), actor=street_admin
    )
    assert list(street_admin.roles.values_list("organization__code", flat=True)) == [
        "430602001001-ST"
    ]


# --- editing --------------------------------------------------------------------------------


def test_update_account_audits_masked(street_admin: User, registrar: User) -> None:
    services.update_account(registrar, actor=street_admin, name="陈新名", mobile="13855556666")
    registrar.refresh_from_db()
    assert (registrar.name, registrar.mobile) == ("陈新名", "13855556666")
    assert AuditEntry.objects.get(action="account.updated").data == {
        "username": "registrar",
        "changed": {"name": ["陈登记", "陈新名"], "mobile": ["", "138****6666"]},
    }
    assert selectors.accounts_for("13855556666") == [registrar]


def test_update_account_with_roles_outside_is_refused(
    street_admin: User, district_admin: User, org: Org
) -> None:
    services.grant_role(
        district_admin, actor=district_admin, organization=org("430602001-SC"), kind="viewer"
    )
    with pytest.raises(PermissionDenied):
        services.update_account(district_admin, actor=street_admin, mobile="13855556666")
    district_admin.refresh_from_db()
    assert district_admin.mobile == ""


def test_deactivated_account_cannot_authenticate(street_admin: User, viewer: User) -> None:
    services.deactivate_account(viewer, actor=street_admin)
    assert selectors.accounts_for("viewer") == []
    viewer.refresh_from_db()
    assert viewer.check_password(PASSWORD)
