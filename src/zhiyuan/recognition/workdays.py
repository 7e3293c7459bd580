"""Working days, for the public notice of an award (issue 13 §2: at least 5 working days):
Monday to Friday, less the configured holidays (`Holiday`), plus the weekend days configured as
working days (调休, `Holiday.working`), per the State Council's yearly notice of holidays."""

from datetime import date, timedelta

from zhiyuan.recognition.models import Holiday

#: How far a notice may run (a bound on the days read and walked).
LONGEST = timedelta(days=366)


def calendar(first: date, last: date) -> dict[date, bool]:
    """The configured days between `first` and `last` (included): day -> is a working day."""
    rows = Holiday.objects.filter(day__gte=first, day__lte=last).values_list("day", "working")
    return dict(rows)


def is_working_day(day: date, configured: dict[date, bool]) -> bool:
    """Whether `day` is a working day: as configured, else Monday to Friday."""
    if day in configured:
        return configured[day]
    return day.weekday() < 5


def notice_period(start: date, working_days: int) -> tuple[date, date]:
    """The notice published on `start`: shown from that day (a weekend or holiday included) to
    the `working_days`-th working day counted from it (both included), so that it stands for
    that many working days at least. Raises ValueError for fewer than one day or a calendar
    with no working day within LONGEST."""
    if working_days < 1:
        raise ValueError("A notice lasts one working day at least.")
    configured = calendar(start, start + LONGEST)
    day, counted = start, 0
    while day <= start + LONGEST:
        if is_working_day(day, configured):
            counted += 1
            if counted == working_days:
                return start, day
        day += timedelta(days=1)
    raise ValueError("No working days configured in the year ahead.")


def working_days_between(first: date, last: date) -> int:
    """The working days from `first` to `last`, both included (0 when `last` is earlier)."""
    if last < first:
        return 0
    configured = calendar(first, last)
    days = (last - first).days + 1
    return sum(is_working_day(first + timedelta(days=n), configured) for n in range(days))
