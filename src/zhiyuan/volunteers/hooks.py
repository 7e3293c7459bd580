"""What the apps above volunteers do when a registration changes, without volunteers importing
them (volunteers sits below activities and hours): they connect receivers to these signals in
their `AppConfig.ready`.

`registration_ended` is sent by `services.lifecycle` inside the transaction that suspends or
cancels a registration, after the status changed and its audit entry was written, with
`volunteer` (the locked row, its new status), `actor` (who changed it) and `status`. Receivers
run in that transaction, in the order they connected: one that raises undoes the change, so the
registration and what follows from it change together or not at all. Today: activities cancels
the person's sign-ups for slots not yet started and gives the places to the waiting list
(`activities.services.release_signups`).
"""

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

registration_ended = Signal()

#: Rules the apps above add (in their `AppConfig.ready`) that make a registration confirmable
#: in person only: each takes the application (a `Volunteer`) and says whether it must be
#: confirmed in person. Today: checks, for a body whose spot checks found too many denials
#: (`checks.services.require_in_person`). `confirm_registration` asks `requires_in_person`.
in_person_rules: list[Callable[[Any], bool]] = []


def requires_in_person(volunteer: Any) -> bool:
    """Whether a rule of `in_person_rules` says `volunteer` is confirmed in person only."""
    return any(rule(volunteer) for rule in in_person_rules)
