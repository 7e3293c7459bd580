"""Account writes running at the same time (PostgreSQL)."""

from django.core.exceptions import ValidationError

from tests.concurrency import at_once, postgres_only
from zhiyuan.accounts import services
from zhiyuan.accounts.models import Role, SmsCode, User
from zhiyuan.common.sms import SmsMessage
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization

pytestmark = postgres_only


def test_codes_requested_at_once_for_one_number_send_one_sms(
    world_tx: None, outbox: list[SmsMessage]
) -> None:
    """The one-code-a-minute rule read the last code before writing: eight requests at once
    all found none and sent eight messages (an SMS bomb, and eight codes to guess from)."""

    def request_code(_: int) -> str:
        try:
            services.send_reset_code("13900000003")
        except ValidationError as exc:
            return str(exc.code)
        return "sent"

    outcomes = at_once(8, request_code)
    assert sorted(outcomes) == ["sent"] + ["too_soon"] * 7
    assert SmsCode.objects.count() == 1
    assert len(outbox) == 1


def test_one_role_granted_twice_at_once_is_held_once(world_tx: None) -> None:
    admin_pk = User.objects.get(username="street_admin").pk
    viewer_pk = User.objects.get(username="viewer").pk
    centre_pk = Organization.objects.get(code="430602001-SC").pk

    def grant(_: int) -> str:
        try:
            services.grant_role(
                User.objects.get(pk=viewer_pk),
                actor=User.objects.get(pk=admin_pk),
                organization=Organization.objects.get(pk=centre_pk),
                kind=RoleKind.CHECKER,
            )
        except ValidationError:
            return "held already"
        return "granted"

    assert sorted(at_once(6, grant)) == ["granted"] + ["held already"] * 5
    assert Role.objects.filter(user_id=viewer_pk, kind=RoleKind.CHECKER).count() == 1


def test_usernames_differing_in_case_created_at_once_make_one_account(world_tx: None) -> None:
    admin_pk = User.objects.get(username="street_admin").pk
    centre_pk = Organization.objects.get(code="430602001-SC").pk

    def create(index: int) -> str:
        try:
            services.create_account(
                actor=User.objects.get(pk=admin_pk),
                name="王芳",
                username=["Wang", "wang", "WANG", "wAng"][index % 4],
                mobile="13800138000",
                organization=Organization.objects.get(pk=centre_pk),
                kind=RoleKind.VIEWER,
            )
        except ValidationError as exc:
            return str(exc.error_dict["username"][0].code)
        return "created"

    assert sorted(at_once(8, create)) == ["created"] + ["username_taken"] * 7
    assert User.objects.filter(username__iexact="wang").count() == 1
