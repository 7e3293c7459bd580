"""The volunteer's certificates and the public check, phone first:

- /me/certificates/ "my certificates": the service-record certificates of the registrations
  made with the logged-in mobile number, each as a PDF, and a request for a new one (which
  registration, which organisation that recorded hours, a period or all time, the hours per
  activity, the full ID number only when asked): issued at once when the organisation recorded
  confirmed hours in the period, refused with that message when it did not (民政部令第67号
  第十八条: the volunteer asks, the organisation that recorded the hours certifies them);
- /verify/ and /verify/<number>/ (where a certificate's QR code leads), for anyone, with no
  log-in: whether the certificate is genuine and valid, revoked, or not found, with only the
  issuer, the date, the masked name and the hours. Every malformed or unknown number gets the
  same page; nothing is looked up by a person. Limited per address
  (`certificates.throttles.VerificationThrottle`, shared with the API).
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.certificates import documents, selectors, services
from zhiyuan.certificates.throttles import VerificationThrottle
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.common.pdf import FontUnavailable
from zhiyuan.organizations.models import Organization
from zhiyuan.portal import session
from zhiyuan.volunteers.models import Volunteer


class RequestForm(forms.Form):
    """The volunteer's request on the portal: which registration (when the mobile number has
    several), which issuer, the period, the full ID number or not."""

    start = forms.DateField(
        label=gettext_lazy("From (leave empty for all records)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("To (leave empty for up to today)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    per_activity = forms.BooleanField(
        label=gettext_lazy("List the hours per activity"), required=False
    )
    volunteer = forms.TypedChoiceField(label=gettext_lazy("Registration"), coerce=int)
    issuer = forms.TypedChoiceField(label=gettext_lazy("Issued by"), coerce=int)
    full_number = forms.BooleanField(
        label=gettext_lazy("Print my full ID number (otherwise it is masked)"), required=False
    )
    field_order = ["volunteer", "issuer", "start", "end", "per_activity", "full_number"]

    def __init__(
        self,
        *args: Any,
        volunteers: list[tuple[int, str]],
        issuers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = volunteers  # type: ignore[attr-defined]
        self.fields["issuer"].choices = issuers  # type: ignore[attr-defined]
        if len(volunteers) == 1:
            self.fields["volunteer"].widget = forms.HiddenInput()
            self.fields["volunteer"].initial = volunteers[0][0]


def _registrations(digest: str) -> list[Volunteer]:
    return list(
        Volunteer.objects.filter(mobile_digest=digest, registration_number__isnull=False)
        .exclude(registration_number="")
        .select_related("body__organization")
        .order_by("pk")
    )


def _request_form(registrations: list[Volunteer], data: Any = None) -> RequestForm:
    issuers: dict[int, Organization] = {}
    for volunteer in registrations:
        for issuer in selectors.issuers_for(volunteer):
            issuers[issuer.pk] = issuer
    return RequestForm(
        data,
        volunteers=[
            (v.pk, f"{v.registration_number} · {v.body.organization.name}") for v in registrations
        ],
        issuers=[(o.pk, o.name) for o in sorted(issuers.values(), key=lambda o: o.path)],
    )


def my_certificates(request: HttpRequest, bound: RequestForm | None = None) -> HttpResponse:
    """The volunteer's certificates, newest first, and the request for a new one."""
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:my-certificates")
        return redirect("public:me")
    registrations = _registrations(digest)
    form = bound or _request_form(registrations)
    context = {
        "certificates": list(selectors.certificates_of_volunteers(digest)[:100]),
        "form": form,
        "has_hours": bool(form.fields["issuer"].choices),  # type: ignore[attr-defined]
    }
    status = 400 if bound is not None else 200
    return render(request, "portal/my_certificates.html", context, status=status)


@post_action("public:my-certificates")
def my_certificate_request(request: HttpRequest) -> HttpResponse:
    digest = session.mobile_digest_of(request)
    if digest is None:
        messages.error(request, _("Your log-in has expired. Log in again."))
        return redirect("public:me")
    registrations = _registrations(digest)
    form = _request_form(registrations, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        volunteer = next(v for v in registrations if v.pk == data["volunteer"])
        issuer = Organization.objects.get(pk=data["issuer"])
        try:
            certificate = services.request_certificate(
                volunteer,
                issuer=issuer,
                start=data["start"],
                end=data["end"],
                per_activity=data["per_activity"],
                full_number=data["full_number"],
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("Certificate %(number)s is issued. Download it below.")
                % {"number": certificate.number},
            )
            return redirect("public:my-certificates")
    return my_certificates(request, bound=form)


def my_certificate_pdf(request: HttpRequest, number: str) -> HttpResponse:
    digest = session.mobile_digest_of(request)
    if digest is None:
        session.return_after_login(request, "public:my-certificates")
        return redirect("public:me")
    certificate = (
        selectors.certificates_of_volunteers(digest)
        .filter(number=selectors.normalize_number(number) or "-")
        .first()
    )
    if certificate is None:
        raise Http404
    url = request.build_absolute_uri(reverse("public:verify-number", args=[certificate.number]))
    try:
        content = services.print_certificate(certificate, actor=None, check_url=url)
    except FontUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, documents.file_name(certificate)
    )
    return response


# --- the public check ----------------------------------------------------------------------


def _check(request: HttpRequest, text: Any, *, asked: bool) -> HttpResponse:
    if asked and not VerificationThrottle().allow_request(request, None):  # type: ignore[arg-type]
        return render(request, "portal/verify.html", {"throttled": True}, status=429)
    return render(
        request, "portal/verify.html", {"result": selectors.verify(text) if asked else None}
    )


def verify(request: HttpRequest) -> HttpResponse:
    """The check's page: a box for the number; with `?number=` the answer."""
    asked = "number" in request.GET
    return _check(request, request.GET.get("number", ""), asked=asked)


def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """Where a certificate's QR code leads: the answer for its number."""
    return _check(request, number, asked=True)
