"""Office pages of the award campaigns: the campaigns, opening one, a campaign (quotas,
nominations, objections, the shortlist and the results), nominating, a nomination (evidence,
hours, scores and the reviewer's form), the ranking, the xlsx. Every page reads through the
access layer: outside the scope, 404; a write the user may not make, 403 (the services check).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from zhiyuan.awards import exports, permissions, selectors, services
from zhiyuan.awards.enums import NominationStatus, ObjectionStatus, Stage, Subject
from zhiyuan.awards.forms import (
    AnswerForm,
    CampaignForm,
    NominationForm,
    QuotaForm,
    ScoreForm,
    WithdrawForm,
)
from zhiyuan.awards.models import Campaign, Nomination, Objection
from zhiyuan.common.forms import add_validation_errors
from zhiyuan.common.http import post_action
from zhiyuan.organizations.access import get_scoped_or_404, scope
from zhiyuan.organizations.enums import OrgLevel
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.volunteers import selectors as volunteer_selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    try:
        return selectors.campaigns(request.user).get(pk=pk)
    except Campaign.DoesNotExist:
        raise Http404 from None


def _opening_organizations(user: Any) -> list[Organization]:
    found = scope(user, Organization.objects.filter(is_active=True), ADMINISTERING)
    return list(found.filter(level__in=permissions.OPENING_LEVELS).order_by("path")[:200])


def _nominators(user: Any, campaign: Campaign) -> list[Organization]:
    """The organisations `user` may nominate as in `campaign`: those they administer inside it,
    down to the streets, and any lower one they hold an administrator role on."""
    inside = scope(user, Organization.objects.filter(is_active=True), ADMINISTERING).filter(
        path__startswith=campaign.organization.path
    )
    own = user.roles.filter(kind__in=ADMINISTERING).values("organization_id")
    rows = inside.filter(level__lte=OrgLevel.STREET) | inside.filter(pk__in=own)
    return list(rows.order_by("path")[:500])


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The campaigns the user sees, newest first, with the button to open one."""
    rows = selectors.campaigns(request.user).annotate(nomination_count=Count("nominations"))
    today = timezone.localdate()
    return render(
        request,
        "awards/list.html",
        {
            "nav": "awards",
            "rows": [(row, row.stage(today)) for row in rows[:200]],
            "may_open": bool(_opening_organizations(request.user)),
        },
    )


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    organizations = _opening_organizations(request.user)
    if not organizations:
        raise Http404
    today = timezone.localdate()
    form = CampaignForm(
        request.POST or None,
        organizations=organizations,
        initial={"year": today.year, "notice_days": 7},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next(o for o in organizations if str(o.pk) == data["organization"])
        try:
            campaign = services.open_campaign(
                chosen,
                actor=request.user,
                title=data["title"],
                year=data["year"],
                criteria=data["criteria"],
                nominations_close=data["nominations_close"],
                review_ends=data["review_ends"],
                notice_days=data["notice_days"],
                categories=form.categories(),
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Campaign opened. Now give the units their quotas."))
            return redirect("awards:campaign", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "awards/new.html", {"nav": "awards", "form": form}, status=status)


def _campaign_context(request: HttpRequest, campaign: Campaign, **forms: Any) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    categories = list(campaign.categories.all())
    may_manage = permissions.may_manage(user, campaign)
    rows = (
        selectors.with_hours(selectors.nominations(user).filter(campaign=campaign))
        .annotate(scored=Count("scores"))
        .order_by("category__position", "category_id", "rank", "pk")
    )
    objections = list(selectors.objections(campaign)) if may_manage else []
    answer_forms = {
        o.pk: forms.get(f"answer-{o.pk}") or AnswerForm(prefix=f"o{o.pk}")
        for o in objections
        if o.status == ObjectionStatus.OPEN
    }
    return {
        "nav": "awards",
        "campaign": campaign,
        "stage": campaign.stage(today),
        "categories": categories,
        "quotas": selectors.quotas(campaign),
        "nominations": rows[:1000],
        "objections": [(o, answer_forms.get(o.pk)) for o in objections],
        "may_manage": may_manage,
        "may_review": permissions.may_review(user, campaign),
        "may_nominate": bool(_nominators(user, campaign)),
        "quota_form": forms.get("quota") or QuotaForm(categories=categories),
        "Stage": Stage,
    }


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return render(request, "awards/campaign.html", _campaign_context(request, campaign))


@login_required
@post_action("awards:campaign", "pk")
def quota_set(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    form = QuotaForm(request.POST, categories=list(campaign.categories.all()))
    if form.is_valid():
        data = form.cleaned_data
        category = campaign.categories.get(pk=int(data["category"]))
        unit = Organization.objects.filter(code=data["unit"].strip()).first()
        if unit is None:
            form.add_error("unit", _("No organisation has this code."))
        else:
            try:
                services.set_quota(
                    campaign,
                    actor=request.user,
                    category=category,
                    unit=unit,
                    places=data["places"],
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, _("Quota saved."))
                return redirect("awards:campaign", pk=campaign.pk)
    context = _campaign_context(request, campaign, quota=form)
    return render(request, "awards/campaign.html", context, status=400)


def _nominee(
    request: HttpRequest, form: NominationForm, subject: str
) -> tuple[Any, Organization | None]:
    """The volunteer (by registration number, in the user's ledger) or the organisation (by
    code, in the user's scope) the form names; errors go on the form."""
    data = form.cleaned_data
    if subject == Subject.VOLUNTEER:
        number = data["registration_number"].strip()
        found = volunteer_selectors.ledger(request.user).filter(registration_number=number).first()
        if not number or found is None:
            form.add_error(
                "registration_number", _("No volunteer in your area has this registration number.")
            )
        return found, None
    code = data["organization_code"].strip()
    org = scope(request.user, Organization.objects.all()).filter(code=code).first()
    if not code or org is None:
        form.add_error("organization_code", _("No organisation in your area has this code."))
    return None, org


@login_required
def nominate(request: HttpRequest, pk: int) -> HttpResponse:
    """Nominate a volunteer or an organisation in a campaign."""
    campaign = _campaign(request, pk)
    nominators = _nominators(request.user, campaign)
    if not nominators:
        raise Http404
    categories = list(campaign.categories.all())
    form = NominationForm(
        request.POST or None,
        request.FILES or None,
        nominators=nominators,
        categories=categories,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = next(c for c in categories if str(c.pk) == data["category"])
        nominator = next(o for o in nominators if str(o.pk) == data["nominator"])
        volunteer, organization = _nominee(request, form, category.subject)
        if not form.errors:
            try:
                row = services.nominate(
                    campaign,
                    actor=request.user,
                    nominator=nominator,
                    category=category,
                    volunteer=volunteer,
                    organization=organization,
                    project_title=data["project_title"],
                    citation=data["citation"],
                    evidence=data.get("evidence"),
                )
            except ValidationError as exc:
                add_validation_errors(
                    form,
                    exc,
                    rename={
                        "volunteer": "registration_number",
                        "organization": "organization_code",
                    },
                )
            else:
                messages.success(request, _("Nomination made."))
                return redirect("awards:nomination", pk=row.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "nav": "awards",
        "campaign": campaign,
        "stage": campaign.stage(),
        "form": form,
        "quotas": selectors.quotas(campaign),
    }
    return render(request, "awards/nominate.html", context, status=status)


def _nomination(request: HttpRequest, pk: int) -> Nomination:
    try:
        return selectors.with_hours(selectors.nominations(request.user)).get(pk=pk)
    except Nomination.DoesNotExist:
        raise Http404 from None


def _nomination_context(request: HttpRequest, row: Nomination, **forms: Any) -> dict[str, Any]:
    user = request.user
    campaign = row.campaign
    may_manage = permissions.may_manage(user, campaign)
    may_review = permissions.may_review(user, campaign)
    scores = list(row.scores.select_related("reviewer"))
    own = next((s for s in scores if s.reviewer_id == user.pk), None)
    stage = campaign.stage()
    open_row = row.status == NominationStatus.NOMINATED
    may_score = may_review and own is None and stage == Stage.REVIEWING and open_row
    may_withdraw = (
        permissions.may_nominate_as(user, row.nominator) and stage == Stage.NOMINATING and open_row
    )
    return {
        "nav": "awards",
        "campaign": campaign,
        "row": row,
        "stage": stage,
        "scores": scores if may_manage else [],
        "average": selectors.average([s.score for s in scores]) if may_manage else None,
        "own_score": own,
        "score_form": forms.get("score") or (ScoreForm() if may_score else None),
        "withdraw_form": forms.get("withdraw") or (WithdrawForm() if may_withdraw else None),
    }


@login_required
def nomination_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = _nomination(request, pk)
    return render(request, "awards/nomination.html", _nomination_context(request, row))


@login_required
@post_action("awards:nomination", "pk")
def nomination_score(request: HttpRequest, pk: int) -> HttpResponse:
    row = _nomination(request, pk)
    form = ScoreForm(request.POST)
    if form.is_valid():
        try:
            services.score_nomination(row, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Score recorded."))
            return redirect("awards:nomination", pk=row.pk)
    context = _nomination_context(request, row, score=form)
    return render(request, "awards/nomination.html", context, status=400)


@login_required
@post_action("awards:nomination", "pk")
def nomination_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    row = _nomination(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_nomination(row, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Nomination withdrawn."))
            return redirect("awards:nomination", pk=row.pk)
    context = _nomination_context(request, row, withdraw=form)
    return render(request, "awards/nomination.html", context, status=400)


@login_required
def nomination_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A nomination's evidence, to those whose roles cover its nominator (the campaign's office
    included); never from MEDIA_URL."""
    row = get_scoped_or_404(request.user, Nomination.objects.exclude(evidence=""), pk=pk)
    return FileResponse(
        row.evidence.open("rb"),
        as_attachment=True,
        filename=row.evidence_name,
        content_type=row.evidence_type,
    )


@login_required
def ranking(request: HttpRequest, pk: int) -> HttpResponse:
    """Each category's ranking by average score (the shortlist to be, or published), for the
    campaign's office and reviewers."""
    campaign = _campaign(request, pk)
    if not permissions.may_review(request.user, campaign):
        raise Http404
    categories = [(c, selectors.ranked(c)) for c in campaign.categories.all()]
    return render(
        request,
        "awards/ranking.html",
        {
            "nav": "awards",
            "campaign": campaign,
            "stage": campaign.stage(),
            "categories": categories,
            "may_manage": permissions.may_manage(request.user, campaign),
            "Stage": Stage,
        },
    )


def _act(request: HttpRequest, campaign: Campaign, action: Any, done: str) -> HttpResponse:
    try:
        action(campaign, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("awards:campaign", pk=campaign.pk)


@login_required
@post_action("awards:campaign", "pk")
def shortlist_publish(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return _act(request, campaign, services.publish_shortlist, _("Shortlist published."))


@login_required
@post_action("awards:campaign", "pk")
def results_fix(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return _act(request, campaign, services.fix_results, _("Results fixed and published."))


@login_required
@post_action("awards:campaign", "pk")
def objection_answer(request: HttpRequest, pk: int, objection: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    try:
        row = campaign.objections.get(pk=objection)
    except Objection.DoesNotExist:
        raise Http404 from None
    form = AnswerForm(request.POST, prefix=f"o{row.pk}")
    if form.is_valid():
        try:
            services.answer_objection(
                row,
                actor=request.user,
                upheld=form.cleaned_data["upheld"] == "1",
                answer=form.cleaned_data["answer"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, _("Objection answered."))
            return redirect("awards:campaign", pk=campaign.pk)
    context = _campaign_context(request, campaign, **{f"answer-{row.pk}": form})
    return render(request, "awards/campaign.html", context, status=400)


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's nominations the user sees, as xlsx."""
    campaign = _campaign(request, pk)
    content, _rows = exports.nominations_xlsx(request.user, campaign)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=exports.file_name(campaign))
    )
    return response
