"""Reads of reporting rounds, always through the access layer.

A round is seen by the roles over its subtree (those who opened it and the offices above) and
by the roles over any organisation asked to submit in it (a street sees the city's round it
must answer). Inside a round, a reader sees the organisations of their own scope only: the
city all of them, a district its own and its streets', a street itself.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from zhiyuan.common.crypto import DecryptionError
from zhiyuan.organizations.access import scope
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.permissions import ADMINISTERING
from zhiyuan.reports import kinds, selectors
from zhiyuan.reports.enums import ReportFormat
from zhiyuan.reports.rounds.models import (
    ReportingRound,
    RoundMember,
    Submission,
    SubmissionStatus,
    SubmittedTable,
)


def visible_rounds(user: Any) -> QuerySet[ReportingRound]:
    """The rounds `user` sees (module note), newest first."""
    asked = scope(user, RoundMember.objects.all()).values("round_id")
    own = scope(user, ReportingRound.objects.all()).values("pk")
    return (
        ReportingRound.objects.filter(Q(pk__in=own) | Q(pk__in=asked))
        .select_related("organization", "opened_by")
        .order_by("-opened_at", "-pk")
    )


def visible_submissions(user: Any) -> QuerySet[Submission]:
    """Submissions of organisations inside `user`'s scope."""
    rows = Submission.objects.select_related(
        "round", "organization", "submitted_by", "withdrawn_by"
    )
    return scope(user, rows)


def submission_tables(submission: Submission) -> list[SubmittedTable]:
    return list(submission.tables.order_by("number"))


class FileChangedError(Exception):
    """A submitted file no longer matches the SHA-256 recorded when it was submitted."""


def submitted_file(row: SubmittedTable, extension: str) -> tuple[bytes, str]:
    """The xlsx or PDF (`extension`) of a submitted table exactly as submitted, and its file
    name. Raises FileChangedError when its bytes (or its seal) no longer match the hash."""
    stored = row.xlsx if extension == ReportFormat.XLSX else row.pdf
    expected = row.xlsx_sha256 if extension == ReportFormat.XLSX else row.pdf_sha256
    try:
        with stored.open("rb") as file:
            content = file.read()
    except (DecryptionError, OSError):
        content = b""
    if hashlib.sha256(content).hexdigest() != expected:
        raise FileChangedError(
            _("This file no longer matches the hash recorded when it was submitted.")
        )
    data = row.data
    day = data["reference_date"].replace("-", "")
    name = f"{data['title']}-{data['unit_code']}-{day}-v{row.submission.sequence}.{extension}"
    return content, name


# --- who has submitted -----------------------------------------------------------------------


class State:
    ON_TIME = "on-time"
    LATE = "late"
    WITHDRAWN = "withdrawn"  # withdrawn and not submitted again
    MISSING = "missing"


@dataclass
class MemberStatus:
    """An organisation asked in a round: its submissions (oldest first) and the live one."""

    organization: Organization
    submissions: list[Submission] = field(default_factory=list)

    @property
    def live(self) -> Submission | None:
        return next((s for s in self.submissions if s.status == SubmissionStatus.SUBMITTED), None)

    @property
    def withdrawn(self) -> list[Submission]:
        return [s for s in self.submissions if s.status == SubmissionStatus.WITHDRAWN]

    @property
    def state(self) -> str:
        live = self.live
        if live is not None:
            return State.LATE if live.late else State.ON_TIME
        return State.WITHDRAWN if self.submissions else State.MISSING


@dataclass(frozen=True)
class Summary:
    expected: int
    on_time: int
    late: int
    missing: int  # not submitted (never, or withdrawn and not again)

    @property
    def submitted(self) -> int:
        return self.on_time + self.late


def member_statuses(user: Any, opened: ReportingRound) -> list[MemberStatus]:
    """The organisations of `opened` inside `user`'s scope, in tree order, each with its
    submissions. Two queries."""
    return statuses_by_round(user, [opened])[opened.pk]


def statuses_by_round(user: Any, opened: list[ReportingRound]) -> dict[int, list[MemberStatus]]:
    """Per round id of `opened`: `member_statuses`. Two queries, however many rounds (a list
    of rounds with their summaries)."""
    found: dict[int, dict[int, MemberStatus]] = {r.pk: {} for r in opened}
    members = scope(user, RoundMember.objects.filter(round_id__in=list(found)))
    for m in members.select_related("organization").order_by("organization__path"):
        found[m.round_id][m.organization_id] = MemberStatus(m.organization)
    rows = (
        Submission.objects.filter(
            round_id__in=list(found),
            organization_id__in={org for statuses in found.values() for org in statuses},
        )
        .select_related("submitted_by", "withdrawn_by")
        .order_by("sequence")
    )
    for row in rows:
        status = found[row.round_id].get(row.organization_id)
        if status is not None:  # an organisation of the user's scope, asked in another round
            status.submissions.append(row)
    return {pk: list(statuses.values()) for pk, statuses in found.items()}


def summary(statuses: list[MemberStatus]) -> Summary:
    states = [status.state for status in statuses]
    return Summary(
        expected=len(states),
        on_time=states.count(State.ON_TIME),
        late=states.count(State.LATE),
        missing=states.count(State.MISSING) + states.count(State.WITHDRAWN),
    )


def submittable_members(user: Any, opened: ReportingRound) -> list[Organization]:
    """The organisations of `opened` that `user` submits for (an administrator role on the
    organisation itself), in tree order."""
    if not getattr(user, "is_authenticated", False):
        return []
    own = user.roles.filter(kind__in=ADMINISTERING, organization__is_active=True).values(
        "organization_id"
    )
    members = RoundMember.objects.filter(round=opened, organization_id__in=own)
    return [
        m.organization
        for m in members.select_related("organization").order_by("organization__path")
    ]


# --- the dashboard's to-do ---------------------------------------------------------------


@dataclass(frozen=True)
class ToSubmit:
    """A round an organisation of the user's must still submit in."""

    round: ReportingRound
    organization: Organization
    withdrawn: bool

    @property
    def overdue(self) -> bool:
        return selectors.local_today() > self.round.due_date


@dataclass(frozen=True)
class Followed:
    """A round of the user's area that still waits for submissions: how many of the members in
    the user's scope have submitted."""

    round: ReportingRound
    expected: int
    submitted: int


def to_submit(user: Any) -> list[ToSubmit]:
    """Rounds in which an organisation `user` administers directly has no live submission,
    the earliest due first. Two queries."""
    if not getattr(user, "is_authenticated", False):
        return []
    own = user.roles.filter(kind__in=ADMINISTERING, organization__is_active=True).values(
        "organization_id"
    )
    members = list(
        RoundMember.objects.filter(organization_id__in=own)
        .select_related("round", "organization")
        .order_by("round__due_date", "round_id", "organization__path")
    )
    made: dict[tuple[int, int], set[str]] = defaultdict(set)
    for round_id, org_id, status in Submission.objects.filter(
        round_id__in={m.round_id for m in members}, organization_id__in=own
    ).values_list("round_id", "organization_id", "status"):
        made[(round_id, org_id)].add(status)
    return [
        ToSubmit(m.round, m.organization, bool(made[key]))
        for m in members
        if SubmissionStatus.SUBMITTED not in made[key := (m.round_id, m.organization_id)]
    ]


def followed_rounds(user: Any, *, today: date | None = None) -> list[Followed]:
    """Rounds whose subtree lies in `user`'s scope (those the user's office opened, or opened
    below it) that are not yet due, or still wait for someone: with how many of their members
    have submitted. Two queries."""
    today = today or selectors.local_today()
    rounds = list(
        scope(user, ReportingRound.objects.all())
        .annotate(
            expected=Count("members", distinct=True),
            submitted=Count(
                "submissions",
                filter=Q(submissions__status=SubmissionStatus.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("due_date", "pk")
    )
    return [
        Followed(r, r.expected, r.submitted)  # type: ignore[attr-defined]
        for r in rounds
        if r.due_date >= today or r.submitted < r.expected  # type: ignore[attr-defined]
    ]


def table_labels(opened: ReportingRound) -> list[str]:
    """The round's tables as "Attachment 3 Registration task allocation table" (in the active
    language), or the key of a table the platform no longer has."""
    found = []
    for key in opened.tables:
        kind = kinds.get_kind(key)
        found.append(kind.label if kind else key)
    return found
