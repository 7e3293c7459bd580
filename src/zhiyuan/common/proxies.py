"""The client's address behind reverse proxies (README, "Configuration": TRUSTED_PROXIES).

Log-in throttling counts per address (django-axes for the web and the API, DRF's throttle for
API log-ins). A client can write any X-Forwarded-For header it likes, so the header is read
only when the platform is configured to sit behind proxies, and then only the entry the
nearest trusted proxy appended. This is DRF's rule for NUM_PROXIES, used for axes too, so both
count the same address.
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with TRUSTED_PROXIES = n > 0 the n-th X-Forwarded-For entry from the
    right (nginx's `$proxy_add_x_forwarded_for` appends the address it saw, so with one
    proxy that is the right-most entry; entries further left come from the client)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops: int = settings.TRUSTED_PROXIES
    forwarded = [
        entry.strip()
        for entry in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if entry.strip()
    ]
    if hops <= 0 or not forwarded:
        return remote
    return forwarded[-min(hops, len(forwarded))]
