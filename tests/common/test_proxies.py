import pytest
from django.test import RequestFactory

from zhiyuan.common.proxies import client_address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "192.0.2.1"),
        (0, "203.0.113.7", "192.0.2.1"),  # no proxy configured: the header is the client's word
        (1, "", "192.0.2.1"),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "10.6.6.6, 203.0.113.7", "203.0.113.7"),  # the forged entry is left of nginx's
        (2, "10.6.6.6, 203.0.113.7, 198.51.100.9", "203.0.113.7"),
        (3, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: the left-most
        (1, " , ", "192.0.2.1"),
    ],
)
def test_client_address(settings, proxies: int, forwarded: str, expected: str) -> None:
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
