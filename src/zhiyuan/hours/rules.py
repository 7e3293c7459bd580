"""The arithmetic of service hours, with no database: durations from aware instants, the
rounding rules, hours as decimals, minutes per local day, distances for the geofence.

Durations are taken between instants in UTC: Python subtracts two datetimes that share a
tzinfo by their wall clocks, which is wrong across a daylight-saving change (tzdata still
applies China's 1986–1991 summer time: 1988-04-17 in Asia/Shanghai had 23 hours).
"""

import math
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from zhiyuan.hours.enums import Rounding

#: A day on which one volunteer's records hold more than this is flagged (not refused).
LONG_DAY_MINUTES = 12 * 60
_CENT = Decimal("0.01")
_EARTH_RADIUS_M = 6_371_008.8


def in_utc(instant: datetime) -> datetime:
    """`instant` (aware) in UTC, to the whole second. Raises ValueError for a naive one."""
    if timezone.is_naive(instant):
        raise ValueError("A service time must be an aware datetime.")
    return instant.astimezone(UTC).replace(microsecond=0)


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes served from `start` to `end` (aware), counted between the instants, not
    the wall clocks; a part of a minute is not counted. 0 when `end` is not after `start`."""
    seconds = (in_utc(end) - in_utc(start)).total_seconds()
    return max(0, int(seconds // 60))


def counted_minutes(actual: int, rounding: str) -> int:
    """The minutes a record of `actual` minutes counts under `rounding`, applied per record.

    Half-hour steps: the remainder after whole hours counts 0 under 15 minutes, 30 from 15 to
    44, and a full hour from 45 (e.g. 74 → 60, 75 → 90, 105 → 120)."""
    if rounding == Rounding.HALF_HOUR:
        hours, rest = divmod(actual, 60)
        return hours * 60 + (0 if rest < 15 else 30 if rest < 45 else 60)
    return actual


def hours(minutes: int) -> Decimal:
    """`minutes` as hours with two decimals (Decimal arithmetic, half up): 20 → 0.33,
    6000 → 100.00. Totals are summed in minutes first, then shown."""
    return (Decimal(minutes) / Decimal(60)).quantize(_CENT, rounding=ROUND_HALF_UP)


def minutes_per_day(start: datetime, end: datetime) -> dict[date, int]:
    """The minutes of [start, end) falling on each local (Asia/Shanghai) calendar day: a slot
    across midnight counts on both days."""
    days: dict[date, int] = {}
    zone = timezone.get_current_timezone()
    cursor = in_utc(start)
    finish = in_utc(end)
    while cursor < finish:
        local = cursor.astimezone(zone)
        next_midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
        boundary = min(finish, timezone.make_aware(next_midnight, zone).astimezone(UTC))
        days[local.date()] = days.get(local.date(), 0) + minutes_between(cursor, boundary)
        cursor = boundary
    return days


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """The great-circle distance in whole metres between two WGS-84 points (haversine; within
    a few metres over a geofence's distances)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return round(2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a)))
