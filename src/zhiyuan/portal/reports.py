"""The volunteer's own voice (issue 14): "this is not me" and "I did not serve this".

- /me/reports/ (the phone-and-code session): each registration made with the mobile, who
  registered it, when and how (the registrar, the channel, the body, how it was confirmed), its
  counted hour records, a button to report either, and the reports already made with what
  happened next (a case for the registration body or the organiser, decided by its
  administrators; the person is texted the decision).
- /me/report/<token>/ (the link in the "registered" and "hours recorded" SMS): the token names a
  registration (and a record) by id only; the page shows no name, number or phone, so that a
  forwarded message reveals nobody. Reporting through it opens the same case; the link serves
  once (`checks.services.report_through_link`), and answers afterwards that it was used.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhiyuan.checks import selectors as check_selectors
from zhiyuan.checks import services as check_services
from zhiyuan.checks.models import Case
from zhiyuan.common.http import post_action
from zhiyuan.common.params import parse_id
from zhiyuan.hours import selectors as hours_selectors
from zhiyuan.hours.models import HourRecord
from zhiyuan.portal import session
from zhiyuan.volunteers.enums import HOLDING_STATUSES
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.report_links import read_report_link

#: Counted hour records shown per registration for reporting (the latest).
RECENT_RECORDS = 20


def _mine(digest: str) -> list[Volunteer]:
    return list(
        Volunteer.objects.filter(mobile_digest=digest)
        .select_related("body__organization", "organization", "registered_by", "confirmed_by")
        .order_by("-applied_at", "-pk")
    )


def _next_step(case: Case) -> str:
    if case.decision:
        return str(case.get_decision_display())
    return _("%(who)s must look into it and decide; you will get an SMS with the decision.") % {
        "who": case.organization.name
    }


def my_reports(request: HttpRequest) -> HttpResponse:
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:my-reports")
        return redirect("public:me")
    registrations = _mine(digest)
    ids = [volunteer.pk for volunteer in registrations]
    cases = list(check_selectors.volunteer_cases(ids).order_by("-opened_at"))
    open_subjects = {(c.volunteer_id, c.hour_record_id) for c in cases if not c.decision}
    records = (
        hours_selectors.counted(HourRecord.objects.filter(volunteer_id__in=ids))
        .select_related("activity", "organizer")
        .order_by("-start")
    )
    by_volunteer: dict[int, list[HourRecord]] = {pk: [] for pk in ids}
    for record in records[: RECENT_RECORDS * max(len(ids), 1)]:
        by_volunteer[record.volunteer_id].append(record)
    cards = [
        {
            "volunteer": volunteer,
            "may_report": volunteer.status in HOLDING_STATUSES
            and (volunteer.pk, None) not in open_subjects,
            "records": [
                (record, (volunteer.pk, record.pk) not in open_subjects)
                for record in by_volunteer[volunteer.pk][:RECENT_RECORDS]
            ],
        }
        for volunteer in registrations
    ]
    reported = [(case, _next_step(case)) for case in cases]
    return render(request, "portal/my_reports.html", {"cards": cards, "reported": reported})


def _registration(digest: str, raw: Any) -> Volunteer:
    pk = parse_id(raw)
    found = Volunteer.objects.filter(pk=pk, mobile_digest=digest).first() if pk else None
    if found is None:
        raise Http404
    return found


@post_action("public:my-reports")
def report_not_me(request: HttpRequest) -> HttpResponse:
    digest = session.mobile_digest_of(request)
    if digest is None:
        return redirect("public:me")
    volunteer = _registration(digest, request.POST.get("volunteer"))
    return _reported(request, volunteer, None, str(request.POST.get("message", "")))


@post_action("public:my-reports")
def report_not_served(request: HttpRequest) -> HttpResponse:
    digest = session.mobile_digest_of(request)
    if digest is None:
        return redirect("public:me")
    pk = parse_id(request.POST.get("record"))
    record = (
        HourRecord.objects.filter(pk=pk, volunteer__mobile_digest=digest).first() if pk else None
    )
    if record is None:
        raise Http404
    return _reported(request, record.volunteer, record, str(request.POST.get("message", "")))


def _file_report(volunteer: Volunteer, record: HourRecord | None, message: str) -> Case:
    if record is None:
        return check_services.report_not_me(volunteer, message=message)
    return check_services.report_hours_not_served(record, message=message)


def _reported(
    request: HttpRequest, volunteer: Volunteer, record: HourRecord | None, message: str
) -> HttpResponse:
    try:
        case = _file_report(volunteer, record, message)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("public:my-reports")
    messages.success(
        request,
        _(
            "Your report (case %(case)s) went to %(who)s. It counts in their verification rate; "
            "they must decide, and you will get an SMS with the decision."
        )
        % {"case": case.pk, "who": case.organization.name},
    )
    return redirect("public:my-reports")


def _link_refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A link that is not ours, has expired (400) or was used already (410): the message only."""
    used = exc.code == "link_used"
    context = {"error": exc.messages[0], "used": used}
    return render(request, "portal/report_link.html", context, status=410 if used else 400)


def report_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an SMS: GET shows what it is about without identity; POST reports, once."""
    try:
        volunteer_id, record_id = read_report_link(token)
        check_selectors.require_unused_link(token)
    except ValidationError as exc:
        return _link_refused(request, exc)
    volunteer = (
        Volunteer.objects.select_related("body__organization").filter(pk=volunteer_id).first()
    )
    record = (
        HourRecord.objects.select_related("activity")
        .filter(pk=record_id, volunteer_id=volunteer_id)
        .first()
        if record_id
        else None
    )
    if volunteer is None or (record_id and record is None):
        raise Http404
    context: dict[str, Any] = {"volunteer": volunteer, "record": record, "token": token}
    if request.method == "POST":
        try:
            case = check_services.report_through_link(
                volunteer, record, token=token, message=str(request.POST.get("message", ""))
            )
        except ValidationError as exc:
            if exc.code == "link_used":
                return _link_refused(request, exc)
            context["error"] = exc.messages[0]
            return render(request, "portal/report_link.html", context, status=400)
        context["case"] = case
        context["next_step"] = _next_step(case)
    return render(request, "portal/report_link.html", context)
