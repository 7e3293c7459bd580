"""One-time codes sent by SMS, for any purpose (password reset, volunteer log-in, confirming a
registration). Only a keyed hash of a code is stored (`SmsCode`); a code works once, before it
expires and before MAX_ATTEMPTS wrong tries. Sending is rate-limited per number and purpose, so
that nobody can have a stranger texted a code a minute all day.
"""

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from zhiyuan.accounts.models import SmsCode, mobile_digest
from zhiyuan.common import locks
from zhiyuan.common.outbox import send_sms

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
CODES_PER_DAY = 5
_CODE_HASH_SALT = "zhiyuan.accounts.SmsCode"


def _code_hash(digest: str, code: str) -> str:
    # Keyed with SECRET_KEY: a six-digit code's plain hash could be reversed by trying all.
    return salted_hmac(_CODE_HASH_SALT, f"{digest}:{code}", algorithm="sha256").hexdigest()


def wrong_code() -> ValidationError:
    return ValidationError(
        _("The code is wrong or has expired. Check it, or ask for a new one."),
        code="invalid_code",
    )


def _too_many_attempts() -> ValidationError:
    return ValidationError(_("Too many wrong codes. Ask for a new code."), code="too_many_attempts")


def issue_code(
    mobile: str,
    purpose: str,
    *,
    template: str,
    send: bool = True,
    params: Callable[[SmsCode], dict[str, str]] | None = None,
    rate_group: str = "",
) -> SmsCode:
    """Record a new six-digit code for (`mobile`, `purpose`) and, when `send`, text it with
    `template` once the transaction commits; the message's params are code, minutes, and what
    `params(sms_code)` adds (a link that names the code's row, say).

    `mobile` is the normalised 11-digit form. Callers that must not reveal whether a number is
    known record the code either way and pass `send=False` for unknown numbers.
    The rate limits count the codes of `purpose`; with `rate_group`, those of every purpose
    starting with it (one code per application, say: else each new application would bring
    a stranger's number a fresh allowance).
    Raises ValidationError: "too_soon" (params: seconds) or "too_many_today" (params: count).
    """
    digest = mobile_digest(mobile)
    counted = {"purpose__startswith": rate_group} if rate_group else {"purpose": purpose}
    with transaction.atomic():
        # Requests for one number queue here, so that only the first of several sent at
        # once finds no recent code (the others answer "too soon").
        locks.hold(f"accounts.sms_code:{rate_group or purpose}:{digest}")
        _refuse_if_sent_recently(SmsCode.objects.filter(mobile_digest=digest, **counted))
        code = f"{secrets.randbelow(10**6):06d}"
        sms = SmsCode.objects.create(
            mobile_digest=digest,
            purpose=purpose,
            code_hash=_code_hash(digest, code),
            expires_at=timezone.now() + timedelta(minutes=CODE_MINUTES),
        )
        if send:
            extra = params(sms) if params else {}
            message = {"code": code, "minutes": str(CODE_MINUTES), **extra}
            transaction.on_commit(partial(send_sms, mobile, template, message))
    return sms


def _refuse_if_sent_recently(sent: QuerySet[SmsCode]) -> None:
    now = timezone.now()
    last = sent.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < timedelta(seconds=RESEND_SECONDS):
        wait = RESEND_SECONDS - int((now - last).total_seconds())
        raise ValidationError(
            _("A code was sent less than a minute ago. Wait %(seconds)s seconds and try again."),
            code="too_soon",
            params={"seconds": max(wait, 1)},
        )
    if sent.filter(created_at__gt=now - timedelta(days=1)).count() >= CODES_PER_DAY:
        raise ValidationError(
            _(
                "%(count)s codes were sent to this number in the last 24 hours. Try again "
                "tomorrow, or ask your administrator for an invitation link."
            ),
            code="too_many_today",
            params={"count": CODES_PER_DAY},
        )


def check_code(mobile: str, purpose: str, code: str) -> SmsCode:
    """The latest unused, unexpired code of (`mobile`, `purpose`) if `code` matches it.

    Each wrong try counts. The code is not used up here (see `use_code`).
    Raises ValidationError: "invalid_code", "too_many_attempts".
    """
    digest = mobile_digest(mobile)
    sms = (
        SmsCode.objects.filter(mobile_digest=digest, purpose=purpose)
        .order_by("-created_at", "-pk")
        .first()
    )
    if sms is None or sms.used_at is not None or sms.expires_at <= timezone.now():
        raise wrong_code()
    if sms.attempts >= MAX_ATTEMPTS:
        raise _too_many_attempts()
    if not constant_time_compare(sms.code_hash, _code_hash(digest, (code or "").strip())):
        counted = SmsCode.objects.filter(pk=sms.pk, attempts__lt=MAX_ATTEMPTS).update(
            attempts=F("attempts") + 1
        )
        if not counted:
            raise _too_many_attempts()
        raise wrong_code()
    return sms


def use_code(sms_id: int | None) -> bool:
    """Mark code `sms_id` used; False when it was already used (a second use must fail)."""
    if sms_id is None:
        return False
    return bool(
        SmsCode.objects.filter(pk=sms_id, used_at__isnull=True).update(used_at=timezone.now())
    )
