"""How the volunteers' audit entries read (common.audit_display): registrations by the
person's name and number where the reader sees the ledger, bodies, consents, imports, teams
and requests, and the data keys the volunteers' services write."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhiyuan.common.audit_display import Shown, data_keys, field_labels, object_type
from zhiyuan.organizations.access import scope
from zhiyuan.volunteers import selectors
from zhiyuan.volunteers.enums import (
    CancellationKind,
    ConfirmationMethod,
    ImportMode,
    PersonalField,
    RegistrationChannel,
    reason_text,
)
from zhiyuan.volunteers.models import RegistrationPolicy, Volunteer


def _numeric(ids: list[str]) -> list[str]:
    return [i for i in ids if i.isdigit()]


def _detail(pk: int) -> str:
    return reverse("volunteers:detail", args=[pk])


def registration_label(volunteer: Volunteer) -> str:
    number = volunteer.registration_number or _("Application %(id)s") % {"id": volunteer.pk}
    return f"{volunteer.name} · {number}"


def name_registrations(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = (
        selectors.ledger(reader)
        .filter(pk__in=_numeric(ids))
        .only("pk", "name", "registration_number", "organization", "body")
    )
    return {str(v.pk): Shown(registration_label(v), _detail(v.pk)) for v in found}


def name_bodies(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.registration_bodies(reader).filter(pk__in=_numeric(ids))
    return {
        str(body.pk): Shown(str(body), reverse("volunteers:body-detail", args=[body.pk]))
        for body in found
    }


def name_delegations(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.delegations(reader).filter(pk__in=_numeric(ids))
    return {
        str(d.pk): Shown(str(d), reverse("volunteers:body-detail", args=[d.body_id])) for d in found
    }


def name_imports(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.roster_imports(reader).filter(pk__in=_numeric(ids))
    return {str(ri.pk): Shown(str(ri), reverse("volunteers:import", args=[ri.pk])) for ri in found}


def name_memberships(reader: Any, ids: list[str]) -> dict[str, Shown]:
    """A membership by its volunteer and team, linked to the registration where the reader
    sees it (else named by the team only)."""
    found = selectors.memberships(reader).filter(pk__in=_numeric(ids))
    seen = set(
        selectors.ledger(reader)
        .filter(pk__in=[m.volunteer_id for m in found])
        .values_list("pk", flat=True)
    )
    shown = {}
    for membership in found:
        if membership.volunteer_id in seen:
            label = f"{registration_label(membership.volunteer)} · {membership.team.name}"
            shown[str(membership.pk)] = Shown(label, _detail(membership.volunteer_id))
        else:
            shown[str(membership.pk)] = Shown(membership.team.name)
    return shown


def name_requests(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.volunteer_requests(reader).filter(pk__in=_numeric(ids))
    return {
        str(r.pk): Shown(
            f"{registration_label(r.volunteer)} · {r.get_kind_display()}", _detail(r.volunteer_id)
        )
        for r in found
    }


def name_policies(reader: Any, ids: list[str]) -> dict[str, Shown]:
    rows = RegistrationPolicy.objects.select_related("organization").filter(pk__in=_numeric(ids))
    found = scope(reader, rows)
    policy = reverse("volunteers:policy")
    return {
        str(p.pk): Shown(p.organization.name, f"{policy}?{urlencode({'org': p.organization.code})}")
        for p in found
    }


def personal_fields(value: Any) -> str | None:
    """The fields of a full export (PersonalField values) in words."""
    if isinstance(value, list) and value and all(v in PersonalField.values for v in value):
        return "、".join(str(PersonalField(v).label) for v in value)
    return None


object_type("volunteers.volunteer", gettext_lazy("Registration"), name_registrations)
object_type("volunteers.registrationbody", gettext_lazy("Registration body"), name_bodies)
object_type("volunteers.delegation", gettext_lazy("Consent to register"), name_delegations)
object_type("volunteers.rosterimport", gettext_lazy("Roster import"), name_imports)
object_type("volunteers.membership", gettext_lazy("Team membership"), name_memberships)
object_type("volunteers.volunteerrequest", gettext_lazy("Volunteer's request"), name_requests)
object_type("volunteers.registrationpolicy", gettext_lazy("Registration policy"), name_policies)
field_labels(
    "volunteers.volunteer", {field.name: field.verbose_name for field in Volunteer._meta.fields}
)
data_keys(
    {
        "channel": gettext_lazy("channel"),
        "body": gettext_lazy("registration body"),
        "method": gettext_lazy("confirmation"),
        "number": gettext_lazy("registration number"),
        "reason": gettext_lazy("reason"),
        "source": gettext_lazy("from"),
        "target": gettext_lazy("to"),
        "year": gettext_lazy("year"),
        "field": gettext_lazy("field"),
        "team": gettext_lazy("team"),
        "mode": gettext_lazy("mode"),
        "revealed": gettext_lazy("full ID numbers and phones"),
        "count": gettext_lazy("registrations"),
        "bytes": gettext_lazy("bytes"),
        "valid": gettext_lazy("valid rows"),
        "invalid": gettext_lazy("rows with problems"),
        "present": gettext_lazy("rows already registered"),
        "download": gettext_lazy("downloaded"),
        "point": gettext_lazy("where"),
        **{field.name: field.verbose_name for field in RegistrationPolicy._meta.fields},
    },
    channel=RegistrationChannel,
    method=ConfirmationMethod,
    field=PersonalField,
    kind=CancellationKind,
    mode=ImportMode,
    fields=personal_fields,
    reason=lambda value: reason_text(value) if isinstance(value, str) else None,
    download={
        "file": gettext_lazy("the uploaded file"),
        "error_report": gettext_lazy("the error report"),
    },
    **{"import": lambda value: f"#{value}" if isinstance(value, int) else None},
)
