"""Per-address limits of the public volunteer paths that text a number (self-registration,
log-in codes), shared by the pages and the API: one budget per client, whichever it uses."""

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from zhiyuan.common.proxies import client_address


class AddressThrottle(SimpleRateThrottle):
    """Counts per client address (`common.proxies.client_address`): the limits per number
    alone would let one client have many numbers texted, at the platform's expense."""

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class RegistrationThrottle(AddressThrottle):
    """Self-registrations (each texts a code), on /join/ and POST /api/v1/public/registrations/.
    Generous: at a community event many people register over one Wi-Fi network."""

    scope = "volunteer_registration"
    rate = "60/hour"


class LoginCodeThrottle(AddressThrottle):
    scope = "volunteer_login_code"
    rate = "10/hour"


class CodeAttemptThrottle(AddressThrottle):
    """Codes typed on /join/confirm/, /me/ and POST /api/v1/public/registrations/confirm/.
    Five wrong tries end a code; without a limit per address, anyone who knows a mobile
    number could use up that person's codes as fast as they are sent."""

    scope = "volunteer_code_attempt"
    rate = "30/hour"
