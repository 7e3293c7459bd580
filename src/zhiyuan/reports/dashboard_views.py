"""The dashboard, every office user's landing page: their subtree's figures today (`dashboard`),
drawn as charts (ECharts, `static/zhiyuan/dashboard.js`, data passed with json_script) and
given as tables beside them, and their to-do list: applications awaiting confirmation, team
applications, volunteers' requests, and reporting rounds to submit in or to follow."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from zhiyuan.common.identity import Gender
from zhiyuan.common.params import search_text
from zhiyuan.organizations import selectors as org_selectors
from zhiyuan.organizations.access import in_subtree
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import dashboard, panels, selectors
from zhiyuan.reports.rounds import selectors as rounds
from zhiyuan.volunteers import permissions as volunteer_permissions
from zhiyuan.volunteers import selectors as volunteer_selectors
from zhiyuan.volunteers.enums import MembershipStatus, RequestStatus

#: The progress chart shows the furthest behind of those with a target; the table below it
#: lists every child.
CHART_CHILDREN = 20


@dataclass(frozen=True)
class Todo:
    label: str
    count: int
    url: str


def _root(request: HttpRequest) -> tuple[Organization | None, list[Organization], str]:
    """The organisation asked for (`org`, a name or code inside the user's scope) or the top of
    the user's scope; the other tops to switch to; what was typed and matched nothing."""
    roots = org_selectors.scope_roots(request.user)
    text = search_text(request, "org")
    if text:
        found, _candidates = org_selectors.resolve_organization(
            org_selectors.visible_organizations(request.user), text
        )
        if found is not None:
            return found, roots, ""
        return (roots[0] if roots else None), roots, text
    return (roots[0] if roots else None), roots, ""


def _todo(user: Any, root: Organization) -> list[Todo]:
    awaiting = volunteer_selectors.awaiting_confirmation(user, root).count()
    applied = in_subtree(
        volunteer_selectors.memberships(user, roles=volunteer_permissions.LEADING),
        root,
    ).filter(status=MembershipStatus.APPLIED)
    open_requests = in_subtree(
        volunteer_selectors.volunteer_requests(user, roles=volunteer_permissions.REGISTERING),
        root,
    ).filter(status=RequestStatus.OPEN)
    progress = reverse("volunteers:progress") + "?" + urlencode({"org": root.code})
    return [
        Todo(_("Applications awaiting the person's confirmation"), awaiting, progress),
        Todo(_("Team applications"), applied.count(), reverse("volunteers:memberships")),
        Todo(_("Volunteers' requests"), open_requests.count(), reverse("volunteers:requests")),
    ]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def chart_data(board: dashboard.Dashboard) -> dict[str, Any]:
    """What dashboard.js draws, with every label in the reader's language."""
    behind = [p for p in board.progress if p.completion is not None][:CHART_CHILDREN]
    ages = dashboard.age_band_labels()
    groups = dashboard.political_labels()
    makeup = board.composition
    return {
        "progress": {
            "names": [p.name for p in behind],
            "values": [_number(p.completion) for p in behind],
            "label": _("Completion"),
        },
        "months": {
            "labels": [f"{m.start:%Y-%m}" for m in board.months],
            "series": [
                {"name": _("Applications"), "data": [m.applied for m in board.months]},
                {"name": _("Confirmed"), "data": [m.confirmed for m in board.months]},
            ],
        },
        "gender": {
            "items": [
                {"name": str(label), "value": makeup.gender[key]} for key, label in Gender.choices
            ]
        },
        "age": {
            "labels": list(ages.values()),
            "values": [makeup.age[key] for key in ages],
        },
        "political": {
            "items": [{"name": groups[key], "value": makeup.political[key]} for key in groups]
        },
    }


def _rows(labels: dict[str, str], counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(label, counts[key]) for key, label in labels.items()]


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    root, roots, unmatched = _root(request)
    context: dict[str, Any] = {
        "nav": "dashboard",
        "root": root,
        "roots": roots,
        "unmatched": unmatched,
        "to_submit": rounds.to_submit(request.user),
        "followed": rounds.followed_rounds(request.user),
    }
    if root is not None:
        board = dashboard.build(root, selectors.local_today())
        makeup = board.composition
        context |= {
            "board": board,
            "panels": panels.dashboard_panels(request.user, root, board.day),
            "todo": _todo(request.user, root),
            "charts": chart_data(board),
            "makeup": [
                ("gender", _("Gender"), [(label, makeup.gender[k]) for k, label in Gender.choices]),
                ("age", _("Age"), _rows(dashboard.age_band_labels(), makeup.age)),
                (
                    "political",
                    _("Political status"),
                    _rows(dashboard.political_labels(), makeup.political),
                ),
            ],
        }
    return render(request, "reports/dashboard.html", context)
