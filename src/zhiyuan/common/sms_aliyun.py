"""Alibaba Cloud SMS (阿里云短信服务, dysmsapi `SendSms`) as an SMS backend, with the stdlib only.

Set `SMS_BACKEND=zhiyuan.common.sms_aliyun.AliyunSmsBackend` and the `SMS_ALIYUN_*` settings
(README, "Configuration"). Each message is one signed GET request to the RPC API, version
2017-05-25; the signature follows Alibaba Cloud's RPC signature method (HMAC-SHA1, version 1.0:
help.aliyun.com/document_detail/101343). Our template names (`password_reset_code`,
`account_invitation`) map to the provider's approved template codes (`SMS_…`), whose variables
must be named like our parameters.

Errors raise `SmsDeliveryError` with the provider's code and request id only. The provider's
message is left out: for `SignatureDoesNotMatch` it quotes the whole string to sign, the number
and the parameters included.
"""

import base64
import hashlib
import hmac
import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from zhiyuan.common.masking import mask_phone
from zhiyuan.common.sms import SmsDeliveryError, SmsMessage

logger = logging.getLogger("zhiyuan.sms")

API_VERSION = "2017-05-25"
REGION = "cn-hangzhou"  # dysmsapi's one region for mainland numbers


def percent_encode(value: str) -> str:
    """RFC 3986 encoding of UTF-8 text as Alibaba signs it: only A-Z a-z 0-9 - _ . ~ stay
    as they are; a space is `%20`, `*` is `%2A`, `/` is `%2F`."""
    return quote(value, safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    """`name=value` pairs, percent-encoded, sorted by name, joined with `&`."""
    return "&".join(
        f"{percent_encode(name)}={percent_encode(value)}" for name, value in sorted(params.items())
    )


def string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    """`GET&%2F&` + the percent-encoded canonical query (the `Signature` parameter excluded)."""
    unsigned = {name: value for name, value in params.items() if name != "Signature"}
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(unsigned))}"


def sign(params: Mapping[str, str], secret: str) -> str:
    """Base64 of HMAC-SHA1 over `string_to_sign(params)`, keyed with the secret plus `&`."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend:
    """Sends one message per `SendSms` call; raises SmsDeliveryError unless the answer is OK."""

    timeout = 10.0  # seconds, for connecting and for each read

    def __init__(self) -> None:
        self.endpoint = settings.SMS_ALIYUN_ENDPOINT
        if urlsplit(self.endpoint).scheme not in {"http", "https"}:
            raise ImproperlyConfigured("SMS_ALIYUN_ENDPOINT must be an http(s) URL.")
        self.access_key_id = settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.secret = settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = settings.SMS_ALIYUN_SIGN_NAME
        self.templates: dict[str, str] = settings.SMS_ALIYUN_TEMPLATES

    def send(self, message: SmsMessage) -> None:
        template_code = self.templates.get(message.template)
        if template_code is None:
            raise SmsDeliveryError(
                f"SMS template {message.template!r} has no Aliyun template code: "
                f"add {message.template}=SMS_… to SMS_ALIYUN_TEMPLATES."
            )
        params = self._request_params(message, template_code)
        params["Signature"] = sign(params, self.secret)
        status, body = self._get(f"{self.endpoint}?{canonical_query(params)}")
        answer = _json_object(body)
        code = str(answer.get("Code") or f"HTTP {status}")
        if status != 200 or code != "OK":
            request_id = answer.get("RequestId")  # what Alibaba's support asks for
            where = f" (RequestId {request_id})" if request_id else ""
            raise SmsDeliveryError(f"Aliyun SMS refused the message: {code}{where}", code)
        logger.info(
            "SMS to %s [%s] accepted by Aliyun, BizId %s",
            mask_phone(message.mobile),
            message.template,
            answer.get("BizId", ""),
        )

    def _request_params(self, message: SmsMessage, template_code: str) -> dict[str, str]:
        """The `SendSms` parameters before signing (a fresh nonce and the UTC time each call)."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.mobile,
            "RegionId": REGION,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        if message.params:
            params["TemplateParam"] = json.dumps(
                message.params, ensure_ascii=False, separators=(",", ":")
            )
        return params

    def _get(self, url: str) -> tuple[int, bytes]:
        """(HTTP status, body). The provider answers its errors as 4xx/5xx with a JSON body.

        Raises SmsDeliveryError when there is no answer (refused, timed out, TLS failure).
        """
        # The scheme was checked to be http(s) in __init__ (S310: no file: or custom schemes).
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, _read_quietly(exc)
        except (OSError, http.client.HTTPException) as exc:
            # The reason only: the URL holds the number and the parameters.
            raise SmsDeliveryError(
                f"Aliyun SMS did not answer: {_reason(exc)}", "NoAnswer"
            ) from None


def _read_quietly(response: urllib.error.HTTPError) -> bytes:
    try:
        return response.read()
    except (OSError, http.client.HTTPException):
        return b""


def _reason(exc: Exception) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, OSError) and reason.strerror:
        return f"{type(reason).__name__} ({reason.strerror})"
    return type(reason).__name__ if isinstance(reason, BaseException) else str(reason)


def _json_object(body: bytes) -> dict[str, object]:
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested beyond the decoder's guard
        return {}
    return answer if isinstance(answer, dict) else {}
