"""Rate limits of the awards app's public acts (the portal's page and the public API share
them): lodging objections and reading their answers, per client address."""

from zhiyuan.volunteers.throttles import AddressThrottle


class ObjectionThrottle(AddressThrottle):
    """Objections lodged, and answers looked up by reference: enough for people who object,
    too few to flood the office or guess references."""

    scope = "award_objection"
    rate = "20/hour"
