"""Office pages of service hours, under /hours/:

- the leader's slots and a slot's roster: who is signed up, checked in or out, their records;
  check in and out from the roster, enter hours, confirm in bulk, the no-shows; the slot's
  check-in QR code full screen (its image changes every HOURS_QR_SECONDS);
- a record: edit before confirmation, confirm, reject, correct after confirmation;
- records awaiting confirmation, in bulk;
- the office's hours of its subtree for a period, with totals per organiser, as xlsx and PDF;
- back-filled sheets (upload, dry run, import); the rounding rule.

Every list reads through the access layer; actions call one service each and show its errors.
"""

import uuid
from datetime import timedelta
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from zhiyuan.activities.models import Slot
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.params import parse_id
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.hours import (
    backfill,
    checkin,
    export_requests,
    exports,
    permissions,
    selectors,
    services,
)
from zhiyuan.hours.enums import HourStatus
from zhiyuan.hours.forms import (
    CorrectionForm,
    EntryForm,
    PeriodForm,
    PolicyForm,
    RecordTimesForm,
    RejectForm,
    UploadForm,
)
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.access import get_scoped_or_404, scope
from zhiyuan.organizations.enums import RoleKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.selectors import resolve_organization
from zhiyuan.volunteers.models import Volunteer

NAV = "hours"


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _slot(request: HttpRequest, pk: int) -> Slot:
    return get_scoped_or_404(
        request.user,
        Slot.objects.select_related("activity__organizer"),
        permissions.RECORDING,
        pk=pk,
    )


def _record(request: HttpRequest, pk: int) -> HourRecord:
    return get_scoped_or_404(request.user, selectors.records(request.user), pk=pk)


# --- the office's hours of its subtree ------------------------------------------------------


def _period(
    request: HttpRequest,
) -> tuple[PeriodForm, QuerySet[HourRecord], exports.RecordFilter | None]:
    """The office's filtered records: the form, the records in scope, the filter (None when
    the form has errors: no records then)."""
    form = PeriodForm(request.GET or None)
    found = selectors.records(request.user)
    if form.is_bound and not form.is_valid():
        return form, found.none(), None
    data = form.cleaned_data if form.is_bound else {}
    organization = None
    if data.get("org"):
        organization, _candidates = resolve_organization(
            scope(request.user, Organization.objects.all()), data["org"]
        )
        if organization is None:
            form.add_error("org", _("No organisation of your area has this name or code."))
            return form, found.none(), None
    filters = exports.RecordFilter(
        organization=organization,
        start=data.get("start"),
        end=data.get("end"),
        status=data.get("status") or "",
        activity=data.get("activity"),
    )
    found = selectors.filter_records(
        found,
        organization=organization,
        start=filters.start,
        end=filters.end,
        status=filters.status,
        activity=filters.activity,
    )
    return form, found, filters


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Hours of the user's subtree for a period: totals per organiser and the records."""
    form, found, filters = _period(request)
    totals = (
        selectors.office_totals(
            request.user,
            organization=filters.organization,
            start=filters.start,
            end=filters.end,
            status=filters.status,
            activity=filters.activity,
        )
        if filters is not None
        else selectors.OfficeTotals(0, [])
    )
    page = Paginator(found.order_by("-start", "-pk"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": NAV,
        "form": form,
        "page": page,
        "organization": filters.organization if filters else None,
        "totals": totals.by_organizer,
        "total_hours": totals.hours,
        "query": query.urlencode(),
        "records": permissions.records_anywhere(request.user),
        "pending": selectors.records(request.user, permissions.RECORDING)
        .filter(status=HourStatus.PENDING)
        .count(),
    }
    return render(request, "hours/index.html", context)


@login_required
@never_cache
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """The filtered records as xlsx or PDF, with the counted total. Up to
    EXPORT_IMMEDIATE_ROWS records the file is the answer; more are written in the background:
    a GET shows the button, its POST queues the export and goes to "my exports"."""
    if kind not in exports.MAX_ROWS:
        raise Http404
    _form, found, filters = _period(request)
    back = redirect(f"{reverse('hours:index')}?{request.GET.urlencode()}")
    if filters is None:
        messages.error(request, _("Correct the filter before exporting."))
        return back
    rows = found.count()
    if rows > exports.MAX_ROWS[kind]:
        messages.error(
            request,
            _("More than %(max)s records: choose a shorter period or a smaller area.")
            % {"max": exports.MAX_ROWS[kind]},
        )
        return back
    if export_requests.in_background(rows):
        if request.method != "POST":
            context = {"nav": NAV, "rows": rows, "kind": kind, "query": request.GET.urlencode()}
            return render(request, "hours/export_large.html", context)
        export_requests.request_records_export(request.user, filters, kind=kind, rows=rows)
        messages.success(request, _("The export is being prepared: download it here."))
        return redirect("exports:list")
    try:
        made = exports.export_records(request.user, filters, kind=kind)
    except FontUnavailable as error:
        messages.error(request, str(error))
        return back
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=made.name)
    )
    return response


# --- slots and rosters ----------------------------------------------------------------------


@login_required
def slots(request: HttpRequest) -> HttpResponse:
    """The slots of the activities the user records for: from two weeks ago on."""
    since = timezone.now() - timedelta(days=14)
    found = (
        selectors.slots(request.user, permissions.RECORDING)
        .filter(ends_at__gte=since)
        .order_by("starts_at", "pk")
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(request, "hours/slots.html", {"nav": NAV, "page": page})


def _roster_context(
    request: HttpRequest, slot: Slot, entry: EntryForm | None = None
) -> dict[str, Any]:
    lines = selectors.roster(slot)
    volunteers = [(line.signup.volunteer_id, line.signup.volunteer.name) for line in lines]
    return {
        "nav": NAV,
        "slot": slot,
        "lines": lines,
        "no_shows": [line for line in lines if line.no_show],
        "records": selectors.slot_records(slot),
        "entry": entry
        or EntryForm(volunteers=volunteers, initial={"start": slot.starts_at, "end": slot.ends_at}),
        "key": uuid.uuid4().hex,
        "over": slot.ends_at < timezone.now(),
    }


@login_required
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """A slot's roster: check-in status, records, no-shows, and the leader's actions."""
    slot = _slot(request, pk)
    return render(request, "hours/roster.html", _roster_context(request, slot))


@login_required
@post_action("hours:roster", "pk")
def roster_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check a volunteer of the roster in or out (the form's key makes a resubmission
    harmless)."""
    slot = _slot(request, pk)
    volunteer_id = parse_id(request.POST.get("volunteer"))
    volunteer = Volunteer.objects.filter(pk=volunteer_id).first() if volunteer_id else None
    if volunteer is None:
        messages.error(request, _("Choose a volunteer of the roster."))
        return redirect("hours:roster", pk=slot.pk)
    action = checkin.check_out if request.POST.get("direction") == "out" else checkin.check_in
    try:
        action(slot, volunteer, actor=request.user, key=request.POST.get("key") or None)
    except ValidationError as error:
        _errors(request, error)
    else:
        done = (
            _("%(name)s checked out.") if action is checkin.check_out else _("%(name)s checked in.")
        )
        messages.success(request, done % {"name": volunteer.name})
    return redirect(f"{reverse('hours:roster', args=[slot.pk])}#v{volunteer.pk}")


@login_required
@post_action("hours:roster", "pk")
def roster_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader enters hours of a volunteer of the roster."""
    slot = _slot(request, pk)
    volunteers = [
        (line.signup.volunteer_id, line.signup.volunteer.name) for line in selectors.roster(slot)
    ]
    form = EntryForm(request.POST, volunteers=volunteers)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_hours(
                Volunteer.objects.get(pk=data["volunteer"]),
                activity=slot.activity,
                slot=slot,
                start=data["start"],
                end=data["end"],
                content=data["content"],
                actor=request.user,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request, _("The hours were recorded; confirm them when they are right.")
            )
            return redirect("hours:roster", pk=slot.pk)
    return render(request, "hours/roster.html", _roster_context(request, slot, form), status=400)


@login_required
def qr_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The slot's check-in code, full screen on a leader's phone; static/zhiyuan/hours-qr.js
    loads a new image when the code changes."""
    slot = _slot(request, pk)
    context = {
        "slot": slot,
        "seconds": checkin.seconds_left(),
        "period": settings.HOURS_QR_SECONDS,
    }
    return render(request, "hours/qr.html", context)


@login_required
def qr_image(request: HttpRequest, pk: int) -> HttpResponse:
    """The current check-in code of the slot as SVG: the portal's check-in URL with the token."""
    slot = _slot(request, pk)
    url = request.build_absolute_uri(
        reverse("public:checkin-scan", args=[checkin.slot_token(slot)])
    )
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    response = HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")
    response["X-Code-Seconds-Left"] = str(checkin.seconds_left())
    return response


# --- records --------------------------------------------------------------------------------


@login_required
def pending(request: HttpRequest) -> HttpResponse:
    """Records awaiting confirmation in the user's recording scope, oldest first."""
    found = (
        selectors.records(request.user, permissions.RECORDING)
        .filter(status=HourStatus.PENDING)
        .order_by("start", "pk")
    )
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    return render(request, "hours/pending.html", {"nav": NAV, "page": page})


@login_required
@post_action("hours:pending")
def confirm(request: HttpRequest) -> HttpResponse:
    """Confirm the ticked records (all or none); back to the page they were ticked on."""
    ids = [parse_id(value) for value in request.POST.getlist("record")][:500]
    chosen = list(
        selectors.records(request.user, permissions.RECORDING).filter(pk__in=[i for i in ids if i])
    )
    try:
        confirmed = services.confirm_records(chosen, actor=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("%(count)s records confirmed.") % {"count": len(confirmed)})
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/hours/") else "hours:pending")


def _record_context(request: HttpRequest, record: HourRecord, **forms: Any) -> dict[str, Any]:
    counted = selectors.counted(HourRecord.objects.filter(pk=record.pk)).exists()
    may_record = permissions.records_for(request.user, record.organizer)
    pending_state = record.status == HourStatus.PENDING
    local = {"start": timezone.localtime(record.start), "end": timezone.localtime(record.end)}
    return {
        "nav": NAV,
        "record": record,
        "counted": counted,
        "may_record": may_record,
        "refusal": services.confirmation_refusal(record, request.user) if pending_state else None,
        "edit_form": forms.get("edit_form")
        or (
            RecordTimesForm(initial={**local, "content": record.content}) if pending_state else None
        ),
        "reject_form": forms.get("reject_form") or (RejectForm() if pending_state else None),
        "correction_form": forms.get("correction_form")
        or (CorrectionForm(initial={**local, "content": record.content}) if counted else None),
        "corrections": record.corrections.select_related("recorded_by", "decided_by").order_by(
            "recorded_at"
        ),
        "attendance": getattr(record, "attendance", None),
    }


@login_required
def record(request: HttpRequest, pk: int) -> HttpResponse:
    item = _record(request, pk)
    return render(request, "hours/record.html", _record_context(request, item))


@login_required
@post_action("hours:record", "pk")
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _record(request, pk)
    form = RecordTimesForm(request.POST)
    if form.is_valid():
        try:
            services.edit_record(item, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The record was changed."))
            return redirect("hours:record", pk=item.pk)
    return render(
        request, "hours/record.html", _record_context(request, item, edit_form=form), status=400
    )


@login_required
@post_action("hours:record", "pk")
def record_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    item = _record(request, pk)
    try:
        services.confirm_records([item], actor=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The record was confirmed."))
    return redirect("hours:record", pk=item.pk)


@login_required
@post_action("hours:record", "pk")
def record_reject(request: HttpRequest, pk: int) -> HttpResponse:
    item = _record(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject_record(item, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The record was rejected."))
            return redirect("hours:record", pk=item.pk)
    return render(
        request, "hours/record.html", _record_context(request, item, reject_form=form), status=400
    )


@login_required
@post_action("hours:record", "pk")
def record_correct(request: HttpRequest, pk: int) -> HttpResponse:
    item = _record(request, pk)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        start, end = (item.start, item.start) if data["void"] else (data["start"], data["end"])
        try:
            correction = services.request_correction(
                item,
                actor=request.user,
                reason=data["reason"],
                start=start,
                end=end,
                content=data["content"] or None,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The correction waits for a second person to confirm it."))
            return redirect("hours:record", pk=correction.pk)
    return render(
        request,
        "hours/record.html",
        _record_context(request, item, correction_form=form),
        status=400,
    )


# --- back-filled sheets ---------------------------------------------------------------------


def _role_organizations(user: Any, roles: Any) -> list[tuple[int, str]]:
    if user.is_superuser:
        found = Organization.objects.filter(depth=1)
    else:
        found = Organization.objects.filter(roles__user=user, roles__kind__in=roles, is_active=True)
    return [(o.pk, o.name) for o in found.distinct().order_by("path")]


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    """Upload a sheet (the dry run follows at once) and the sheets uploaded in the area."""
    choices = _role_organizations(request.user, permissions.RECORDING)
    form = UploadForm(request.POST or None, request.FILES or None, organizations=choices)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            item = backfill.upload_sheet(
                upload.read(backfill.MAX_BYTES + 1),
                filename=upload.name,
                organization=Organization.objects.get(pk=form.cleaned_data["organization"]),
                actor=request.user,
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            return redirect("hours:import", pk=item.pk)
    found = selectors.hours_imports(request.user, permissions.RECORDING)
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "hours/imports.html", {"nav": NAV, "form": form, "page": page}, status=status
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(request.user, selectors.hours_imports(request.user), pk=pk)
    problems = [{**p, "text": backfill.problem_text(p)} for p in item.problems]
    error = backfill.error_text(item)
    return render(
        request,
        "hours/import.html",
        {"nav": NAV, "item": item, "problems": problems, "error": error},
    )


@login_required
@post_action("hours:import", "pk")
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(request.user, selectors.hours_imports(request.user), pk=pk)
    try:
        count = backfill.import_sheet(item, actor=request.user)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _("%(count)s records imported; they wait for confirmation.") % {"count": count}
        )
    return redirect("hours:import", pk=item.pk)


# --- the rounding rule ----------------------------------------------------------------------


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The rounding rule of an organisation the user administers (inherited below it)."""
    choices = _role_organizations(request.user, (RoleKind.ADMINISTRATOR,))
    form = PolicyForm(request.POST or None, organizations=choices)
    if request.method == "POST" and form.is_valid():
        organization = Organization.objects.get(pk=form.cleaned_data["organization"])
        try:
            services.set_hours_policy(
                organization, actor=request.user, rounding=form.cleaned_data["rounding"]
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request, _("The rounding rule of %(name)s was saved.") % {"name": organization.name}
            )
            return redirect("hours:policy")
    rules_in_force = [
        (name, selectors.policy_for(Organization.objects.get(pk=pk))) for pk, name in choices
    ]
    return render(request, "hours/policy.html", {"nav": NAV, "form": form, "rules": rules_in_force})
