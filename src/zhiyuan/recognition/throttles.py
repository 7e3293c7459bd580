"""Per-address limits of recognition's public paths: objections to an award on notice (no
log-in), on the portal and the public API alike."""

from zhiyuan.volunteers.throttles import AddressThrottle


class ObjectionThrottle(AddressThrottle):
    scope = "recognition_objection"
    rate = "20/hour"
