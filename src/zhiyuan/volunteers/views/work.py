"""Work lists for offices: volunteers' correction and cancellation requests (for the
registrars of the registration's organisation) and team-membership applications (for team
leaders and administrators above the team). Both read through the access layer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from zhiyuan.common.http import post_action
from zhiyuan.organizations.access import get_scoped_or_404
from zhiyuan.volunteers import permissions, selectors, services
from zhiyuan.volunteers.enums import MembershipStatus, RequestStatus
from zhiyuan.volunteers.models import Membership, VolunteerRequest


@login_required
def requests_inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", RequestStatus.OPEN)
    if status not in RequestStatus.values:
        status = RequestStatus.OPEN
    queryset = selectors.volunteer_requests(request.user, roles=permissions.REGISTERING)
    page = Paginator(queryset.filter(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/requests.html",
        {"nav": "ledger", "page": page, "status": status, "statuses": RequestStatus.choices},
    )


@login_required
@post_action("volunteers:requests")
def handle_request(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_scoped_or_404(
        request.user, VolunteerRequest.objects.all(), permissions.REGISTERING, pk=pk
    )
    try:
        services.handle_request(
            item,
            actor=request.user,
            done=request.POST.get("done") == "1",
            response=request.POST.get("response", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Request handled."))
    return redirect("volunteers:requests")


@login_required
def memberships(request: HttpRequest) -> HttpResponse:
    applied = selectors.memberships(request.user, roles=permissions.LEADING).filter(
        status=MembershipStatus.APPLIED
    )
    # The inbox serves the oldest applications first.
    page = Paginator(applied.order_by("applied_at", "pk"), 50).get_page(request.GET.get("page"))
    return render(request, "volunteers/memberships.html", {"nav": "ledger", "page": page})


@login_required
@post_action("volunteers:memberships")
def decide_membership(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_scoped_or_404(
        request.user, Membership.objects.all(), permissions.LEADING, pk=pk
    )
    approve = request.POST.get("approve") == "1"
    try:
        services.decide_membership(membership, actor=request.user, approve=approve)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("volunteers:memberships")
