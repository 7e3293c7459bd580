"""Alibaba Cloud SMS against a local fake of dysmsapi that checks requests as Alibaba does."""

import base64
import hashlib
import hmac
import itertools
import json
import logging
import os
import socket
import string
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django_tasks.signals import task_finished

from zhiyuan.common.models import OutboundSms
from zhiyuan.common.outbox import send_sms
from zhiyuan.common.sms import SmsDeliveryError, SmsMessage
from zhiyuan.common.sms_aliyun import AliyunSmsBackend, percent_encode, sign, string_to_sign
from zhiyuan.common.tasks import deliver_sms

ACCESS_KEY_ID = "LTAI-test-key-id"
SECRET = "test-secret-not-for-production"
SIGN_NAME = "志愿服务测试"
TEMPLATES = {"password_reset_code": "SMS_1234", "account_invitation": "SMS_5678"}
VARIABLES = {"SMS_1234": {"code", "minutes"}, "SMS_5678": {"name", "link"}}
MOBILE = "13900005555"
CODE = "246810"
RESET = {"code": CODE, "minutes": "10"}
SIGNED_PARAMS = {
    "AccessKeyId",
    "Action",
    "Format",
    "PhoneNumbers",
    "RegionId",
    "SignName",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "TemplateCode",
    "TemplateParam",
    "Timestamp",
    "Version",
}


# --- the fake provider -----------------------------------------------------------------------


def alibaba_encode(text: str) -> str:
    """Percent-encoding written out from Alibaba's documentation, byte by byte (independent of
    the backend's use of urllib.parse.quote)."""
    unreserved = string.ascii_letters + string.digits + "-_.~"
    return "".join(chr(b) if chr(b) in unreserved else f"%{b:02X}" for b in text.encode())


def server_signature(query: dict[str, str], secret: str) -> tuple[str, str]:
    """(string to sign, signature) as the server recomputes them from the received query."""
    pairs = sorted((k, v) for k, v in query.items() if k != "Signature")
    canonical = "&".join(f"{alibaba_encode(k)}={alibaba_encode(v)}" for k, v in pairs)
    to_sign = "GET&%2F&" + alibaba_encode(canonical)
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return to_sign, base64.b64encode(digest).decode()


class FakeDysms:
    """dysmsapi's `SendSms` on 127.0.0.1: protocol errors as 4xx, business errors as 200."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []  # the accepted ones
        self.throttled: set[str] = set()  # numbers answered with isv.BUSINESS_LIMIT_CONTROL
        self.broken = False  # answer 503 with an HTML page, as a load balancer does
        self.outage_page = b"<html>Service Unavailable</html>"
        self._nonces: set[str] = set()
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # shutdown() waits for the serving loop's next poll: poll often, so that each test
        # does not wait the default half second at teardown.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str) -> tuple[int, dict[str, str]]:
        request_id = f"FAKE-{next(self._ids)}"
        status, code, message = self._check(path)
        if code != "OK":
            return status, {"RequestId": request_id, "Code": code, "Message": message}
        return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": "900^1"}

    def _check(self, path: str) -> tuple[int, str, str]:
        url = urlsplit(path)
        query = dict(parse_qsl(url.query, keep_blank_values=True, strict_parsing=True))
        if url.path != "/":
            return 404, "InvalidAction.NotFound", "Specified api is not found"
        if query.get("AccessKeyId") != ACCESS_KEY_ID:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        to_sign, signature = server_signature(query, SECRET)
        if query.get("Signature") != signature:
            # As Alibaba does: the message quotes the string to sign, number and code included.
            message = f"Specified signature is not matched with our calculation. server string to sign is:{to_sign}"
            return 400, "SignatureDoesNotMatch", message
        protocol = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "Format": "JSON",
        }
        for name, value in protocol.items():
            if query.get(name) != value:
                return 400, "InvalidParameter", f"{name} must be {value}"
        if set(query) - {"Signature"} != SIGNED_PARAMS:
            return 400, "InvalidParameter", f"unexpected parameters {sorted(query)}"
        return self._check_fresh(query) or self._check_message(query)

    def _check_fresh(self, query: dict[str, str]) -> tuple[int, str, str] | None:
        sent = datetime.strptime(query["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - sent) > timedelta(minutes=15):
            return 400, "InvalidTimeStamp.Expired", "Specified time stamp or date is expired."
        if query["SignatureNonce"] in self._nonces:
            return 400, "SignatureNonceUsed", "Specified signature nonce was used already."
        self._nonces.add(query["SignatureNonce"])
        return None

    def _check_message(self, query: dict[str, str]) -> tuple[int, str, str]:
        mobile = query["PhoneNumbers"]
        if len(mobile) != 11 or not mobile.isdigit():
            return 200, "isv.MOBILE_NUMBER_ILLEGAL", f"{mobile} is not a valid mobile number"
        if query["SignName"] != SIGN_NAME:
            return 200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"
        variables = VARIABLES.get(query["TemplateCode"])
        if variables is None:
            return 200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"
        try:
            params = json.loads(query["TemplateParam"])
        except ValueError:
            return 200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"
        if set(params) != variables:
            return 200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量"
        if mobile in self.throttled:
            return 200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1"
        self.requests.append(query)
        return 200, "OK", "OK"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if fake.broken:
                    status, body, kind = 503, fake.outage_page, "text/html"
                else:
                    status, answer = fake.answer(self.path)
                    body, kind = json.dumps(answer).encode(), "application/json;charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line holds the number

        return Handler


@pytest.fixture
def dysms(settings) -> Iterator[FakeDysms]:
    fake = FakeDysms()
    fake.start()
    settings.SMS_BACKEND = "zhiyuan.common.sms_aliyun.AliyunSmsBackend"
    settings.SMS_ALIYUN_ENDPOINT = fake.endpoint
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ACCESS_KEY_ID
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = SECRET
    settings.SMS_ALIYUN_SIGN_NAME = SIGN_NAME
    settings.SMS_ALIYUN_TEMPLATES = dict(TEMPLATES)
    yield fake
    fake.stop()


@pytest.fixture
def task_tracebacks() -> Iterator[list[str]]:
    """The tracebacks the task backend records for failed tasks (what a worker would store)."""
    tracebacks: list[str] = []

    def record(sender, task_result, **kwargs):
        tracebacks.extend(error.traceback for error in task_result.errors)

    task_finished.connect(record)
    yield tracebacks
    task_finished.disconnect(record)


def send(mobile: str = MOBILE, template: str = "password_reset_code") -> None:
    AliyunSmsBackend().send(SmsMessage(mobile=mobile, template=template, params=dict(RESET)))


def assert_no_leak(*texts: str) -> None:
    for text in texts:
        assert MOBILE not in text
        assert CODE not in text


# --- the signature ---------------------------------------------------------------------------

# Alibaba's worked example for SendSms (help.aliyun.com/document_detail/101343, 签名机制).
DOC_SENDSMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
DOC_SENDSMS_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
    "%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF"
    "%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF"
    "%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce"
    "%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode"
    "%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D"
    "%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
)


def test_signature_matches_alibabas_sendsms_example() -> None:
    assert string_to_sign(DOC_SENDSMS) == DOC_SENDSMS_STRING_TO_SIGN
    assert sign(DOC_SENDSMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert sign({**DOC_SENDSMS, "Signature": "old"}, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_signature_matches_alibabas_rpc_example() -> None:
    # The RPC signature page's example (ECS DescribeRegions, secret "testsecret").
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert sign(params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_signature_agrees_with_the_fakes_independent_computation() -> None:
    params = {"Name": "a b*c~d/e+f", "TemplateParam": '{"name":"张 三"}', "Empty": ""}
    assert sign(params, SECRET) == server_signature(params, SECRET)[1]


def test_percent_encoding_keeps_only_unreserved_characters() -> None:
    assert percent_encode("a b*~-_./+=&") == "a%20b%2A~-_.%2F%2B%3D%26"
    assert percent_encode("阿") == "%E9%98%BF"


# --- sending ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reset_code_reaches_the_provider_through_the_task(
    dysms: FakeDysms, caplog, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        send_sms(MOBILE, "password_reset_code", dict(RESET))
    [request] = dysms.requests
    assert request["PhoneNumbers"] == MOBILE
    assert request["SignName"] == SIGN_NAME
    assert request["TemplateCode"] == "SMS_1234"
    assert json.loads(request["TemplateParam"]) == RESET
    sms = OutboundSms.objects.get()
    assert sms.sent_at is not None
    assert (sms.attempts, sms.params, sms.last_error) == (1, "", "")
    assert "SMS to 139****5555 [password_reset_code] accepted by Aliyun, BizId 900^1" in (
        caplog.text
    )
    assert_no_leak(caplog.text)


@pytest.mark.django_db
def test_invitation_with_chinese_name_and_link_is_signed_right(
    dysms: FakeDysms, django_capture_on_commit_callbacks
) -> None:
    params = {"name": "张三", "link": "https://zy.example.cn/accounts/invitation/MQ/abc-123/"}
    with django_capture_on_commit_callbacks(execute=True):
        send_sms(MOBILE, "account_invitation", params)
    [request] = dysms.requests
    assert request["TemplateCode"] == "SMS_5678"
    assert request["TemplateParam"] == (
        '{"name":"张三","link":"https://zy.example.cn/accounts/invitation/MQ/abc-123/"}'
    )


@pytest.mark.django_db
def test_wrong_secret_is_refused_and_recorded_without_the_number_or_code(
    dysms: FakeDysms, settings, caplog, task_tracebacks, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.DEBUG)
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    with django_capture_on_commit_callbacks(execute=True):
        send_sms(MOBILE, "password_reset_code", dict(RESET))
    assert dysms.requests == []
    sms = OutboundSms.objects.get()
    assert (
        sms.last_error == "Aliyun SMS refused the message: SignatureDoesNotMatch (RequestId FAKE-1)"
    )
    assert (sms.attempts, sms.sent_at) == (1, None)
    [traceback] = task_tracebacks
    assert "SmsDeliveryError: Aliyun SMS refused the message: SignatureDoesNotMatch" in traceback
    assert_no_leak(traceback, caplog.text)


@pytest.mark.django_db
def test_delivery_error_from_the_task_carries_the_provider_code(dysms: FakeDysms) -> None:
    dysms.throttled.add(MOBILE)
    send_sms(MOBILE, "password_reset_code", dict(RESET))  # in the test's transaction: queued
    with pytest.raises(SmsDeliveryError) as caught:
        deliver_sms.call(OutboundSms.objects.get().pk)
    assert str(caught.value) == (
        "Aliyun SMS refused the message: isv.BUSINESS_LIMIT_CONTROL (RequestId FAKE-1)"
    )
    assert caught.value.code == "isv.BUSINESS_LIMIT_CONTROL"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("mobile", "template", "code"),
    [
        (MOBILE, "password_reset_code", "isv.BUSINESS_LIMIT_CONTROL"),
        ("1390000555", "password_reset_code", "isv.MOBILE_NUMBER_ILLEGAL"),
        (MOBILE, "account_invitation", "isv.TEMPLATE_MISSING_PARAMETERS"),
    ],
)
def test_business_error_raises_with_the_provider_code(
    dysms: FakeDysms, caplog, mobile: str, template: str, code: str
) -> None:
    caplog.set_level(logging.DEBUG)
    dysms.throttled.add(MOBILE)
    with pytest.raises(SmsDeliveryError) as caught:
        send(mobile, template)
    assert str(caught.value) == f"Aliyun SMS refused the message: {code} (RequestId FAKE-1)"
    assert caught.value.code == code
    assert_no_leak(str(caught.value), caplog.text)
    assert "1390000555" not in str(caught.value)


def test_wrong_sign_name_is_a_business_error(dysms: FakeDysms, settings) -> None:
    settings.SMS_ALIYUN_SIGN_NAME = "某某公司"
    with pytest.raises(SmsDeliveryError, match=r"isv\.SMS_SIGNATURE_ILLEGAL \(RequestId FAKE-1\)$"):
        send()


def test_unmapped_template_is_refused_before_calling_the_provider(dysms: FakeDysms) -> None:
    with pytest.raises(SmsDeliveryError) as caught:
        send(template="activity_reminder")
    assert str(caught.value) == (
        "SMS template 'activity_reminder' has no Aliyun template code: "
        "add activity_reminder=SMS_… to SMS_ALIYUN_TEMPLATES."
    )
    assert dysms.requests == []


@pytest.mark.parametrize(
    "page",
    [b"<html>Service Unavailable</html>", b"[" * 100_000 + b"]" * 100_000],
    ids=["html", "JSON nested 100,000 levels deep"],
)
def test_provider_outage_without_json_raises_with_the_http_status(
    dysms: FakeDysms, page: bytes
) -> None:
    dysms.broken = True
    dysms.outage_page = page
    with pytest.raises(SmsDeliveryError) as caught:
        send()
    assert str(caught.value) == "Aliyun SMS refused the message: HTTP 503"
    assert caught.value.code == "HTTP 503"


def test_refused_connection_raises(settings) -> None:
    with socket.socket() as probe:  # a port that nothing listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _aliyun_settings(settings, f"http://127.0.0.1:{port}/")
    with pytest.raises(SmsDeliveryError) as caught:
        send()
    assert str(caught.value) == (
        "Aliyun SMS did not answer: ConnectionRefusedError (Connection refused)"
    )
    assert caught.value.code == "NoAnswer"


def test_silent_provider_times_out(settings, monkeypatch) -> None:
    monkeypatch.setattr(AliyunSmsBackend, "timeout", 0.2)
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        _aliyun_settings(settings, f"http://127.0.0.1:{silent.getsockname()[1]}/")
        with pytest.raises(SmsDeliveryError) as caught:
            send()
    assert str(caught.value) == "Aliyun SMS did not answer: TimeoutError"


def test_default_timeout_is_ten_seconds() -> None:
    assert AliyunSmsBackend.timeout == 10.0


def _aliyun_settings(settings, endpoint: str) -> None:
    settings.SMS_ALIYUN_ENDPOINT = endpoint
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ACCESS_KEY_ID
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = SECRET
    settings.SMS_ALIYUN_SIGN_NAME = SIGN_NAME
    settings.SMS_ALIYUN_TEMPLATES = dict(TEMPLATES)


# --- the task scrubs what any backend says ---------------------------------------------------


class EchoingSmsBackend:
    """A provider that quotes the whole request in its error."""

    def send(self, message: SmsMessage) -> None:
        raise SmsDeliveryError(f"bad request to {message.mobile}: {message.params}", "Echo")


@pytest.mark.django_db
def test_task_blanks_parameter_values_out_of_a_backends_error(settings) -> None:
    settings.SMS_BACKEND = "tests.common.test_sms_aliyun.EchoingSmsBackend"
    send_sms(MOBILE, "password_reset_code", dict(RESET))
    with pytest.raises(SmsDeliveryError) as caught:
        deliver_sms.call(OutboundSms.objects.get().pk)
    assert str(caught.value) == "bad request to 139****5555: {'code': '***', 'minutes': '10'}"
    assert caught.value.code == "Echo"
    assert OutboundSms.objects.get().last_error == str(caught.value)


# --- settings --------------------------------------------------------------------------------

ALIYUN_ENV = {
    "SMS_BACKEND": "zhiyuan.common.sms_aliyun.AliyunSmsBackend",
    "SMS_ALIYUN_ACCESS_KEY_ID": ACCESS_KEY_ID,
    "SMS_ALIYUN_ACCESS_KEY_SECRET": SECRET,
    "SMS_ALIYUN_SIGN_NAME": SIGN_NAME,
    "SMS_ALIYUN_TEMPLATES": "password_reset_code=SMS_1234, account_invitation=SMS_5678",
}


def _settings(expr: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Load the real settings in a subprocess (they are read once per process)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "DATABASE_URL"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "zhiyuan.settings", "VAR_DIR": str(tmp_path), **env})
    probe = f"import django; from django.conf import settings; print(settings.{expr})"
    return subprocess.run(
        [sys.executable, "-c", probe], env=clean, capture_output=True, text=True, timeout=60
    )


@pytest.mark.slow
def test_settings_read_the_aliyun_configuration(tmp_path: Path) -> None:
    secret_file = tmp_path / "aliyun.secret"
    secret_file.write_text(SECRET + "\n")
    env = {k: v for k, v in ALIYUN_ENV.items() if k != "SMS_ALIYUN_ACCESS_KEY_SECRET"}
    env["SMS_ALIYUN_ACCESS_KEY_SECRET_FILE"] = str(secret_file)
    expr = (
        "SMS_ALIYUN_TEMPLATES, settings.SMS_ALIYUN_ACCESS_KEY_SECRET, settings.SMS_ALIYUN_ENDPOINT"
    )
    result = _settings(expr, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "{'password_reset_code': 'SMS_1234', 'account_invitation': 'SMS_5678'} "
        f"{SECRET} https://dysmsapi.aliyuncs.com/"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SMS_ALIYUN_SIGN_NAME": None},
            "SMS_ALIYUN_SIGN_NAME is required with the Aliyun SMS backend.",
        ),
        (
            {"SMS_ALIYUN_ACCESS_KEY_SECRET": None},
            "SMS_ALIYUN_ACCESS_KEY_SECRET (or _FILE) is required with the Aliyun SMS backend.",
        ),
        (
            {"SMS_ALIYUN_ACCESS_KEY_SECRET": None, "SMS_ALIYUN_ACCESS_KEY_SECRET_FILE": "/nope"},
            "SMS_ALIYUN_ACCESS_KEY_SECRET_FILE cannot be read: No such file or directory",
        ),
        (
            {"SMS_ALIYUN_ENDPOINT": "file:///etc/passwd"},
            "SMS_ALIYUN_ENDPOINT must be an http(s) URL.",
        ),
        (
            {"SMS_ALIYUN_TEMPLATES": "password_reset_code:SMS_1234"},
            "SMS_ALIYUN_TEMPLATES must be written as name=SMS_code,..., got "
            "'password_reset_code:SMS_1234'.",
        ),
    ],
)
def test_incomplete_aliyun_configuration_stops_with_the_variable_named(
    env: dict[str, str | None], message: str, tmp_path: Path
) -> None:
    merged = {**ALIYUN_ENV, **env}
    result = _settings("SMS_BACKEND", {k: v for k, v in merged.items() if v is not None}, tmp_path)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
    assert SECRET not in result.stderr
