"""The public check's limit per client address, shared by the page (/verify/) and the API
(GET /api/v1/public/certificates/<number>/): one budget per client, whichever it uses. A
person checks a few certificates; an employer a batch; trying numbers at random is what it
stops (60 random bits a number already make that hopeless)."""

from zhiyuan.volunteers.throttles import AddressThrottle


class VerificationThrottle(AddressThrottle):
    scope = "certificate_verification"
    rate = "60/hour"
