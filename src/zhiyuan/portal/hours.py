"""The volunteer's own pages of service hours, phone first:

- /checkin/<token>/ where the slot's QR code leads (the phone camera or WeChat's scanner): the
  token is checked at once and the scan remembered in the session for GRANT_SECONDS (the log-in
  by SMS code may take longer than the code lives), then /checkin/ shows the slot and a button
  to check in or out, with the phone's location when it gives one;
- /me/hours/ "my records" by year: each record and its status, the year's confirmed hours and
  the progress toward the city's yearly hours (the recognition policy's, as /me/stars/ shows;
  plan §三(二)3: 20 hours by default), and a request to correct a confirmed record (民政部令
  第67号 第十六条).

The volunteer is the portal's session (`session`): every registration with the logged-in
mobile number. Nothing personal stands in a URL.
"""

import time
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.activities.enums import SignUpStatus
from zhiyuan.activities.models import Slot
from zhiyuan.common.http import post_action
from zhiyuan.common.params import parse_id
from zhiyuan.hours import checkin, selectors, services
from zhiyuan.hours.models import Attendance, HourRecord
from zhiyuan.portal import session
from zhiyuan.portal.forms import MobileForm
from zhiyuan.recognition.selectors import yearly_target_of_person

GRANT_SECONDS = 10 * 60
_GRANT = "hours.checkin.grant"
_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _local_time(label: Any) -> forms.DateTimeField:
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    return forms.DateTimeField(label=label, required=False, input_formats=_LOCAL, widget=widget)


class VolunteerCorrectionForm(forms.Form):
    """The volunteer's request (67号令 第十六条): what is wrong, and the times as they were."""

    record = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(
        label=gettext_lazy("What is wrong with this record?"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    start = _local_time(gettext_lazy("When did you start?"))
    end = _local_time(gettext_lazy("When did you finish?"))


def checkin_scan(request: HttpRequest, token: str) -> HttpResponse:
    """Where a slot's QR code leads: a valid token is remembered for GRANT_SECONDS and the
    page without the token follows; an expired or altered one says so."""
    try:
        slot_id = checkin.token_slot_id(token)
    except ValidationError as error:
        return render(request, "portal/checkin.html", {"error": error.messages[0]}, status=400)
    if not Slot.objects.filter(pk=slot_id).exists():
        raise Http404
    request.session[_GRANT] = {"slot": slot_id, "until": time.time() + GRANT_SECONDS}
    return redirect("public:checkin")


def _granted_slot(request: HttpRequest) -> Slot | None:
    grant = request.session.get(_GRANT)
    if not isinstance(grant, dict) or float(grant.get("until", 0)) < time.time():
        return None
    slot_id = parse_id(grant.get("slot"))
    if slot_id is None:
        return None
    return Slot.objects.select_related("activity__organizer").filter(pk=slot_id).first()


def _signup(slot: Slot, digest: str) -> Any:
    return (
        slot.signups.filter(volunteer__mobile_digest=digest, status=SignUpStatus.CONFIRMED)
        .select_related("volunteer")
        .first()
    )


def checkin_page(request: HttpRequest) -> HttpResponse:
    """Check in or out of the slot whose code this phone scanned in the last minutes."""
    slot = _granted_slot(request)
    if slot is None:
        scan = {"error": _("Scan the check-in code shown at the activity with your phone.")}
        return render(request, "portal/checkin.html", scan, status=400)
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:checkin")
        return render(request, "portal/checkin.html", {"slot": slot, "login_form": MobileForm()})
    signup = _signup(slot, digest)
    if signup is None:
        refused: dict[str, Any] = {
            "slot": slot,
            "error": _(
                "No registration with your mobile number has a confirmed sign-up for this slot."
            ),
        }
        return render(request, "portal/checkin.html", refused, status=403)
    if request.method == "POST":
        return _check(request, slot, signup.volunteer)
    intervals = list(
        Attendance.objects.filter(slot=slot, volunteer=signup.volunteer).order_by("checked_in_at")
    )
    context: dict[str, Any] = {
        "slot": slot,
        "volunteer": signup.volunteer,
        "intervals": intervals,
        "checked_in": any(a.is_open for a in intervals),
        "key": uuid.uuid4().hex,
        "asks_location": bool(slot.activity.geofence_radius and slot.activity.latitude is not None),
    }
    return render(request, "portal/checkin.html", context)


def _check(request: HttpRequest, slot: Slot, volunteer: Any) -> HttpResponse:
    direction = request.POST.get("direction")
    action = checkin.check_out if direction == "out" else checkin.check_in
    try:
        checked = action(
            slot,
            volunteer,
            actor=None,
            key=request.POST.get("key") or None,
            latitude=request.POST.get("latitude") or None,
            longitude=request.POST.get("longitude") or None,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        when = timezone.localtime(
            checked.attendance.checked_out_at
            if direction == "out"
            else checked.attendance.checked_in_at
        )
        done = (
            _("Checked out at %(time)s. Thank you!")
            if direction == "out"
            else _("Checked in at %(time)s.")
        )
        messages.success(request, done % {"time": f"{when:%H:%M}"})
    return redirect("public:checkin")


# --- my records -----------------------------------------------------------------------------


def _year(request: HttpRequest, years: list[int]) -> int:
    chosen = parse_id(request.GET.get("year"))
    return chosen if chosen in years else years[0]


def my_hours(request: HttpRequest, bound: VolunteerCorrectionForm | None = None) -> HttpResponse:
    """The volunteer's records of a year, its confirmed hours and the progress toward the yearly
    target, with a correction request per confirmed record."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:me-hours")
        return redirect("public:me")
    mine = selectors.records_of_volunteers(digest)
    years = selectors.years_of(mine)
    year = _year(request, years)
    start, end = selectors.year_bounds(year)
    records = list(mine.filter(start__gte=start, start__lt=end).order_by("-start", "-pk"))
    counted = set(
        selectors.counted(mine.filter(pk__in=[r.pk for r in records])).values_list("pk", flat=True)
    )
    correcting = set(
        HourRecord.objects.filter(corrects__in=counted, status="pending").values_list(
            "corrects_id", flat=True
        )
    )
    rows = [
        {
            "record": record,
            "counted": record.pk in counted,
            "correcting": record.pk in correcting,
            "form": bound
            if bound is not None and bound.data.get("record") == str(record.pk)
            else VolunteerCorrectionForm(
                initial={"record": record.pk}, auto_id=f"id_c{record.pk}_%s"
            ),
        }
        for record in records
    ]
    context = {
        "years": years,
        "year": year,
        "rows": rows,
        "progress": selectors.yearly_progress(mine, year, yearly_target_of_person(digest)),
    }
    return render(
        request, "portal/my_hours.html", context, status=400 if bound is not None else 200
    )


@post_action("public:me-hours")
def my_hours_correct(request: HttpRequest) -> HttpResponse:
    """The volunteer asks for a confirmed record to be corrected; the organiser's leaders
    decide (a second person confirms the correction)."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        messages.error(request, _("Your log-in has expired. Log in again."))
        return redirect("public:me")
    record_id = parse_id(request.POST.get("record"))
    record = (
        selectors.records_of_volunteers(digest).filter(pk=record_id).first() if record_id else None
    )
    if record is None:
        raise Http404
    form = VolunteerCorrectionForm(request.POST, auto_id=f"id_c{record.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_correction(
                record,
                actor=None,
                by_volunteer=True,
                reason=data["reason"],
                start=data["start"],
                end=data["end"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Your request was sent to %(organizer)s; you will see the corrected record here once it is confirmed."
                )
                % {"organizer": record.organizer.name},
            )
            year = timezone.localtime(record.start).year
            return redirect(f"{reverse('public:me-hours')}?year={year}")
    return my_hours(request, bound=form)
