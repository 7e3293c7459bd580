"""What checks shows on the reports app's pages (`reports.panels`): the verification rates on
the dashboard and a line under each statistics table."""

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from zhiyuan.checks import selectors


def dashboard_panel(user: Any, root: Any, day: date) -> dict[str, Any] | None:
    """The bodies' and organisers' verification rates in `root`'s subtree, or None when no
    spot check or report has touched it."""
    bodies = selectors.body_rates(root)
    organizers = selectors.organizer_rates(root)
    if not bodies and not organizers:
        return None
    return {
        "bodies": bodies,
        "organizers": organizers,
        "threshold": selectors.flag_threshold(),
        "open_cases": selectors.open_case_count(user, root),
    }


def table_note(root: Any, day: date) -> list[str]:
    """One line per statistics table: the spot checks' figures for the registrations of the
    subtree (checked, confirmed, denials, flagged bodies)."""
    bodies = selectors.body_rates(root)
    checked = sum(rate.checked for rate in bodies)
    if not checked:
        return []
    confirmed = sum(rate.confirmed for rate in bodies)
    denials = sum(rate.denials for rate in bodies)
    flagged = [rate.organization.name for rate in bodies if rate.flagged]
    from zhiyuan.reports.tables import percent

    line = _(
        "Spot checks of registrations in this area: %(checked)s checked, %(confirmed)s%% "
        "confirmed, %(denied)s%% denied by the person."
    ) % {
        "checked": checked,
        "confirmed": percent(confirmed, checked),
        "denied": percent(denials, checked),
    }
    if flagged:
        line += " " + _("Bodies above the denial threshold: %(names)s.") % {
            "names": "、".join(flagged)
        }
    return [line]
