"""The forms of the office pages of activities. They parse input into the shapes the services
take (`services.DETAIL_FIELDS`, a slot's instants); the rules live in the services."""

from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhiyuan.activities.enums import AttachmentKind, Visibility
from zhiyuan.activities.models import Activity, Category
from zhiyuan.activities.selectors import categories
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.volunteers.enums import Skill
from zhiyuan.volunteers.selectors import TEAM_KINDS

#: The most divisions offered for an activity's place.
DIVISION_OPTIONS = 3000


def places_of(organizer: Organization) -> QuerySet[Division]:
    """The divisions an activity of `organizer` may take place in: its jurisdiction and
    everything under it (a district's organiser picks any of its communities)."""
    condition = Q(pk__in=[])
    for division in organizer.jurisdiction.all():
        condition |= Q(code__startswith=division.prefix)
    return Division.objects.filter(condition).order_by("code")[:DIVISION_OPTIONS]


def audiences_of(organizer: Organization) -> list[Organization]:
    """Whose volunteers a restricted activity of `organizer` may be for: the organiser and the
    organisations above it (their subtrees), and the teams and stations inside it."""
    above = [*Organization.objects.get_ancestors(organizer), organizer]
    teams = Organization.objects.get_descendants(organizer).filter(
        kind__in=TEAM_KINDS, is_active=True
    )
    return above + [team for team in teams if team.pk != organizer.pk]


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    category = forms.ModelChoiceField(label=_("Service category"), queryset=Category.objects.none())
    campaigns = forms.ModelMultipleChoiceField(
        label=_("Special campaigns"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    service_recipients = forms.CharField(
        label=_("Service recipients"), required=False, max_length=200
    )
    division = forms.ModelChoiceField(label=_("Where"), queryset=Division.objects.none())
    address = forms.CharField(label=_("Address"), max_length=200)
    latitude = forms.CharField(label=_("Latitude"), required=False, max_length=20)
    longitude = forms.CharField(label=_("Longitude"), required=False, max_length=20)
    geofence_radius = forms.CharField(
        label=_("Check-in radius (metres)"), required=False, max_length=10
    )
    minimum_age = forms.CharField(label=_("Minimum age"), required=False, max_length=3)
    skills = forms.MultipleChoiceField(
        label=_("Skills required"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visibility = forms.ChoiceField(
        label=_("Who may sign up"), choices=Visibility.choices, widget=forms.RadioSelect
    )
    audience = forms.ChoiceField(label=_("Organisation or team"), required=False)
    signup_deadline = forms.DateTimeField(
        label=_("Sign-up deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    needs_approval = forms.BooleanField(label=_("Sign-ups need approval"), required=False)
    carries_risk = forms.BooleanField(
        label=_("Carries risk (volunteers must be insured against accidents)"), required=False
    )
    insurer = forms.CharField(label=_("Insurer"), required=False, max_length=100)
    insurance_policy_number = forms.CharField(
        label=_("Accident insurance policy number"), required=False, max_length=60
    )
    insurance_valid_until = forms.DateField(
        label=_("Insurance valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, organizer: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = categories()
        self._field("category").queryset = offered.filter(kind="category")
        self._field("campaigns").queryset = offered.filter(kind="campaign")
        # A subquery: the sliced list cannot be filtered, as a choice field's check does.
        self._field("division").queryset = Division.objects.filter(
            pk__in=places_of(organizer).values("pk")
        ).order_by("code")
        self.audiences = {str(o.pk): o for o in audiences_of(organizer)}
        choices = [("", "—")] + [(key, o.name) for key, o in self.audiences.items()]
        cast(forms.ChoiceField, self.fields["audience"]).choices = choices

    def _field(self, name: str) -> Any:
        return self.fields[name]

    @classmethod
    def initial_of(cls, activity: Activity) -> dict[str, Any]:
        """The form's initial values from a stored activity."""
        initial: dict[str, Any] = {
            name: getattr(activity, name)
            for name in (
                "title",
                "description",
                "service_recipients",
                "address",
                "skills",
                "visibility",
                "needs_approval",
                "carries_risk",
                "insurer",
                "insurance_policy_number",
                "insurance_valid_until",
            )
        }
        for name in ("latitude", "longitude", "geofence_radius", "minimum_age"):
            value = getattr(activity, name)
            initial[name] = "" if value is None else str(value)
        initial["category"] = activity.category_id
        initial["division"] = activity.division_id
        initial["campaigns"] = list(activity.campaigns.values_list("pk", flat=True))
        initial["audience"] = str(activity.audience_id or "")
        if activity.signup_deadline:
            initial["signup_deadline"] = timezone.localtime(activity.signup_deadline)
        return initial

    def details(self) -> dict[str, Any]:
        """The cleaned data as the services' details."""
        data = dict(self.cleaned_data)
        data["audience"] = self.audiences.get(data.get("audience") or "")
        data["campaigns"] = list(data.get("campaigns") or [])
        return data


class SlotForm(forms.Form):
    """A slot: a day, a start and an end time in Asia/Shanghai (an end at or before the start
    is on the next day: a slot across midnight), and its places."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(
        label=_("Ends"),
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("An end before the start is on the next day."),
    )
    capacity = forms.CharField(
        label=_("Places"),
        max_length=12,
        help_text=_("A whole number; 0 means no places."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    label = forms.CharField(label=_("Label"), required=False, max_length=50)

    def instants(self) -> tuple[datetime, datetime]:
        day: date = self.cleaned_data["day"]
        start: time = self.cleaned_data["start"]
        end: time = self.cleaned_data["end"]
        zone = timezone.get_default_timezone()
        starts_at = timezone.make_aware(datetime.combine(day, start), zone)
        end_day = day + timedelta(days=1) if end <= start else day
        return starts_at, timezone.make_aware(datetime.combine(end_day, end), zone)


class CapacityForm(forms.Form):
    capacity = forms.CharField(label=_("Places"), max_length=12)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File"))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)
