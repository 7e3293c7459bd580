"""Reads of the activities app. The office's reads go through `organizations.access.scope`
(a role covers its subtree); the portal's reads are the published activities a volunteer may
see (`permissions.audience_condition`), and a volunteer's own sign-ups."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from zhiyuan.activities import permissions
from zhiyuan.activities.enums import ActivityStatus, SignUpStatus, Visibility
from zhiyuan.activities.models import Activity, Category, SignUp, Slot
from zhiyuan.common.masking import mask_phone
from zhiyuan.divisions.enums import DivisionLevel
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.access import get_scoped_or_404, scope
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import MembershipStatus
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import TEAM_KINDS, registered_volunteers


@dataclass(frozen=True)
class ActivityFilter:
    """What a list of activities is narrowed to: a category or campaign (its code), a place
    (a division and everything under it), days (in Asia/Shanghai: an activity with a slot
    starting on one of them), words of the title, a status."""

    category: str = ""
    division: Division | None = None
    day_from: date | None = None
    day_to: date | None = None
    search: str = ""
    status: str = ""


def categories() -> QuerySet[Category]:
    """The categories and campaigns offered, in their order."""
    return Category.objects.filter(is_active=True)


def known_category(code: str) -> str:
    """`code` if it names a category or campaign, else "" (an unknown filter is no filter)."""
    code = code[:40]
    return code if code and Category.objects.filter(code=code).exists() else ""


def with_places(slots: QuerySet[Slot]) -> QuerySet[Slot]:
    """Slots annotated with `confirmed`, `waitlisted` and `pending`: their sign-ups counted in
    SQL (a slot's free places are `capacity - confirmed`)."""
    return slots.annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED)),
        waitlisted=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)),
        pending=Count("signups", filter=Q(signups__status=SignUpStatus.PENDING)),
    )


def listed(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """With what a list or the API shows of each activity: its organiser, category, place and
    audience joined, its campaigns and its slots (`with_places`, in time order) prefetched."""
    return activities.select_related(
        "organizer", "category", "division", "audience"
    ).prefetch_related(
        Prefetch("slots", queryset=with_places(Slot.objects.order_by("starts_at", "pk"))),
        "campaigns",
    )


def _filtered(activities: QuerySet[Activity], how: ActivityFilter) -> QuerySet[Activity]:
    if how.category:
        activities = activities.filter(
            Q(category__code=how.category) | Q(campaigns__code=how.category)
        )
    if how.division is not None:
        activities = activities.filter(division__code__startswith=how.division.prefix)
    if how.day_from or how.day_to:
        slots = Slot.objects.filter(activity=OuterRef("pk"))
        if how.day_from:
            slots = slots.filter(starts_at__gte=_midnight(how.day_from))
        if how.day_to:
            slots = slots.filter(starts_at__lt=_midnight(how.day_to + timedelta(days=1)))
        activities = activities.filter(Exists(slots))
    if how.search:
        activities = activities.filter(title__icontains=how.search)
    if how.status:
        activities = activities.filter(status=how.status)
    return activities.distinct()


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()), timezone.get_default_timezone())


# --- the office -------------------------------------------------------------------------


def office_activities(user: Any, how: ActivityFilter = ActivityFilter()) -> QuerySet[Activity]:
    """Activities organised inside `user`'s subtrees, newest first."""
    return listed(_filtered(scope(user, Activity.objects.all()), how)).order_by(
        "-created_at", "-pk"
    )


def office_activity(user: Any, pk: Any) -> Activity:
    """One activity inside `user`'s subtrees, else Http404."""
    return get_scoped_or_404(
        user, Activity.objects.select_related("organizer", "category", "division"), pk=pk
    )


def office_slot(user: Any, pk: Any) -> Slot:
    return get_scoped_or_404(user, Slot.objects.select_related("activity__organizer"), pk=pk)


def office_signup(user: Any, pk: Any) -> SignUp:
    return get_scoped_or_404(
        user,
        SignUp.objects.select_related("slot__activity__organizer", "volunteer"),
        pk=pk,
    )


def slots_of(activity: Activity) -> QuerySet[Slot]:
    return with_places(activity.slots.order_by("starts_at", "pk"))


@dataclass(frozen=True)
class RosterRow:
    """What an organiser sees of a volunteer signed up (the sign-up is the grant): their
    name, masked phone and sign-up, nothing of the ledger."""

    signup: SignUp
    name: str
    phone: str

    @property
    def status(self) -> str:
        return self.signup.status


def roster(slot: Slot) -> list[RosterRow]:
    """A slot's sign-ups: confirmed, awaiting approval, waiting (in queue order), then
    cancelled and rejected; each volunteer's name and masked phone only."""
    order = {
        SignUpStatus.CONFIRMED: 0,
        SignUpStatus.PENDING: 1,
        SignUpStatus.WAITLISTED: 2,
        SignUpStatus.CANCELLED: 3,
        SignUpStatus.REJECTED: 4,
    }
    signups = slot.signups.select_related("volunteer").only(
        "pk",
        "slot_id",
        "status",
        "waitlist_position",
        "source",
        "signed_up_at",
        "reason",
        "volunteer__name",
        "volunteer__mobile",
    )
    rows = [RosterRow(s, s.volunteer.name, mask_phone(s.volunteer.mobile)) for s in signups]
    return sorted(
        rows,
        key=lambda row: (
            order[SignUpStatus(row.status)],
            row.signup.waitlist_position or 0,
            row.signup.signed_up_at,
        ),
    )


def organisers(user: Any) -> QuerySet[Organization]:
    """Organisations `user` may organise activities for, in tree order."""
    return permissions.organisers(user).order_by("path")


def led_teams(user: Any) -> QuerySet[Organization]:
    """The teams and stations `user` leads (whose members they may sign up), in tree order."""
    return scope(
        user,
        Organization.objects.filter(is_active=True, kind__in=TEAM_KINDS),
        permissions.LEADING,
    ).order_by("path")


def team_members(team: Organization) -> QuerySet[Volunteer]:
    """The registered volunteers who are approved members of `team`, by name."""
    members = Volunteer.objects.filter(
        memberships__team=team, memberships__status=MembershipStatus.APPROVED
    )
    return registered_volunteers(members).order_by("name", "pk")


# --- the portal -------------------------------------------------------------------------


def open_activities(
    volunteers: Iterable[Volunteer] = (), how: ActivityFilter = ActivityFilter()
) -> QuerySet[Activity]:
    """Published activities with a slot still to start, that anyone (public ones) or one of
    `volunteers` (the portal session's) may see; soonest first."""
    visible = Q(visibility=Visibility.PUBLIC)
    for volunteer in volunteers:
        visible |= permissions.audience_condition(volunteer)
    upcoming = Slot.objects.filter(activity=OuterRef("pk"), starts_at__gt=timezone.now())
    activities = Activity.objects.filter(visible, Exists(upcoming), status=ActivityStatus.PUBLISHED)
    return listed(_filtered(activities, how)).order_by("published_at", "pk")


def open_activity(volunteers: Iterable[Volunteer], pk: Any) -> Activity | None:
    """A published or finished activity a volunteer of `volunteers` (or anyone: public) may
    see; None otherwise."""
    visible = Q(visibility=Visibility.PUBLIC)
    for volunteer in volunteers:
        visible |= permissions.audience_condition(volunteer)
    return (
        Activity.objects.filter(
            visible, status__in=[ActivityStatus.PUBLISHED, ActivityStatus.FINISHED], pk=pk
        )
        .select_related("organizer", "category", "division")
        .first()
    )


def my_signups(volunteers: Iterable[Volunteer]) -> QuerySet[SignUp]:
    """The sign-ups of `volunteers`, their slots' latest first."""
    return (
        SignUp.objects.filter(volunteer__in=[v.pk for v in volunteers])
        .select_related("slot__activity__organizer", "volunteer")
        .order_by("-slot__starts_at", "pk")
    )


def places_of(activities: QuerySet[Activity]) -> list[Division]:
    """The counties and townships holding `activities` (a place filter's options), by code."""
    codes = set(activities.order_by().values_list("division_id", flat=True).distinct())
    wanted = {code[:6] + "000000" for code in codes} | {code[:9] + "000" for code in codes}
    return list(
        Division.objects.filter(
            code__in=wanted, level__in=[DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP]
        ).order_by("code")
    )
