"""Service hours over the API (issue 12, item 8): the ledger's records (list, enter, edit
before confirmation, confirm, reject, correct, totals), check-in and check-out with an
idempotency key (mobile clients and the leader's roster sync through it), a slot's check-in
code and roster, back-filled sheets and the rounding rule. Everything reads through the access
layer: objects outside the user's subtrees answer 404; writes the user's role does not allow
answer 403.
"""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zhiyuan.activities.models import Activity, Slot
from zhiyuan.api.audit import ActorSerializer
from zhiyuan.api.lookups import object_id
from zhiyuan.api.memberships import VolunteerRefSerializer
from zhiyuan.api.openapi import errors
from zhiyuan.api.shared import OrganizationRefSerializer, checked_by, id_field, validated
from zhiyuan.api.volunteer_auth import VolunteerView
from zhiyuan.common.masking import mask_phone
from zhiyuan.hours import backfill, checkin, permissions, rules, selectors, services
from zhiyuan.hours.enums import HourFlag, HourSource, HourStatus, ImportState, Rounding
from zhiyuan.hours.models import Attendance, HourRecord, HoursImport
from zhiyuan.organizations.access import get_scoped_or_404, in_subtree
from zhiyuan.organizations.models import Organization
from zhiyuan.recognition.selectors import yearly_target_of_person
from zhiyuan.volunteers.models import Volunteer

# --- output ----------------------------------------------------------------------------------


class HoursActivityRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class HourRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = VolunteerRefSerializer()
    activity = HoursActivityRefSerializer()
    slot = serializers.IntegerField(source="slot_id", allow_null=True)
    organizer = OrganizationRefSerializer(help_text="Records and certifies the hours.")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    actual_minutes = serializers.IntegerField(help_text="Whole minutes between the instants.")
    minutes = serializers.IntegerField(help_text="Minutes counted, after the rounding rule.")
    hours = serializers.SerializerMethodField(help_text="`minutes` as hours, two decimals.")
    rounding = serializers.ChoiceField(choices=Rounding.choices)
    content = serializers.CharField()
    source = serializers.ChoiceField(choices=HourSource.choices)  # type: ignore[assignment]
    flags = serializers.ListField(child=serializers.ChoiceField(choices=HourFlag.choices))
    status = serializers.ChoiceField(choices=HourStatus.choices)
    counts = serializers.SerializerMethodField(
        help_text="Confirmed and not replaced by a confirmed correction."
    )
    recorded_by = ActorSerializer(allow_null=True)
    recorded_at = serializers.DateTimeField()
    decided_by = ActorSerializer(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True)
    correction_reason = serializers.CharField()
    requested_by_volunteer = serializers.BooleanField()
    chain_position = serializers.IntegerField(allow_null=True)
    record_hash = serializers.CharField(
        help_text="SHA-256 in the organiser's chain, once confirmed."
    )

    def get_hours(self, record: HourRecord) -> str:
        return f"{rules.hours(record.minutes):.2f}"

    def get_counts(self, record: HourRecord) -> bool:
        counted: set[int] = self.context.get("counted", set())
        return record.pk in counted


def _records_answer(records: list[HourRecord], *, many: bool = True, code: int = 200) -> Response:
    counted = set(
        selectors.counted(HourRecord.objects.filter(pk__in=[r.pk for r in records])).values_list(
            "pk", flat=True
        )
    )
    context = {"counted": counted}
    if many:
        return Response(HourRecordSerializer(records, many=True, context=context).data, status=code)
    return Response(HourRecordSerializer(records[0], context=context).data, status=code)


class OrganizerTotalSerializer(serializers.Serializer):
    organizer = OrganizationRefSerializer()
    minutes = serializers.IntegerField()
    hours = serializers.CharField()
    records = serializers.IntegerField()
    volunteers = serializers.IntegerField()


class HourTotalsSerializer(serializers.Serializer):
    minutes = serializers.IntegerField(help_text="Counted minutes of the period.")
    hours = serializers.CharField(help_text="The same as hours, two decimals.")
    by_organizer = OrganizerTotalSerializer(many=True)


class AttendanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slot = serializers.IntegerField(source="slot_id")
    volunteer = VolunteerRefSerializer()
    checked_in_at = serializers.DateTimeField()
    checked_out_at = serializers.DateTimeField(allow_null=True)
    distance_m = serializers.IntegerField(allow_null=True, help_text="At check-in, metres.")
    out_distance_m = serializers.IntegerField(allow_null=True)
    flags = serializers.ListField(child=serializers.ChoiceField(choices=HourFlag.choices))
    record = serializers.IntegerField(source="record_id", allow_null=True)


#: The check-in's answer, one instance for every request: building a serializer copies every
#: field it declares, and `to_representation` keeps nothing of what it renders.
ATTENDANCE_ANSWER = AttendanceSerializer()


class CheckInCodeSerializer(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.CharField(help_text="What the QR code carries: the portal's check-in page.")
    seconds_left = serializers.IntegerField(help_text="Until the next code.")


class SlotRosterLineSerializer(serializers.Serializer):
    volunteer = VolunteerRefSerializer()
    mobile = serializers.CharField(help_text="Masked.")
    checked_in = serializers.BooleanField()
    no_show = serializers.BooleanField()
    attendances = AttendanceSerializer(many=True)
    records = serializers.ListField(child=serializers.IntegerField())


class SheetProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class HoursImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = OrganizationRefSerializer()
    filename = serializers.CharField()
    file_sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=ImportState.choices)
    error = serializers.SerializerMethodField()
    rows_total = serializers.IntegerField()
    rows_valid = serializers.IntegerField()
    problems = serializers.SerializerMethodField()
    imported_count = serializers.IntegerField()

    def get_error(self, item: HoursImport) -> str:
        return backfill.error_text(item)

    def get_problems(self, item: HoursImport) -> list[dict[str, Any]]:
        return [
            {"row": p["row"], "column": p["column"], "message": backfill.problem_text(p)}
            for p in item.problems
        ]


class HoursPolicySerializer(serializers.Serializer):
    organization = OrganizationRefSerializer()
    rounding = serializers.ChoiceField(choices=Rounding.choices)
    set_by = OrganizationRefSerializer(
        allow_null=True, help_text="Where the rule in force is set (none: the default)."
    )


# --- input -----------------------------------------------------------------------------------


class RecordFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=HourStatus.choices, required=False)
    activity = id_field(required=False)
    slot = id_field(required=False)
    volunteer = id_field(required=False)
    organization = id_field(required=False, help_text="Only this organisation's subtree.")
    start = serializers.DateField(required=False, help_text="From this local day.")
    end = serializers.DateField(required=False, help_text="Up to this local day, included.")


class RecordCreateSerializer(serializers.Serializer):
    volunteer = id_field(help_text="A registered volunteer.")
    activity = id_field(help_text="A published or finished activity you record for.")
    slot = id_field(required=False, allow_null=True, default=None)
    start = serializers.DateTimeField(help_text="With its time zone.")
    end = serializers.DateTimeField()
    content = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RecordEditSerializer(serializers.Serializer):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    content = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RecordConfirmSerializer(serializers.Serializer):
    records = serializers.ListField(child=id_field(), min_length=1, max_length=500)


class RecordRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RecordCorrectionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="What is wrong with the record.")
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    content = serializers.CharField(max_length=200, required=False, allow_blank=True)
    void = serializers.BooleanField(
        required=False, default=False, help_text="The service did not take place."
    )


class HourTotalsFilter(RecordFilter):
    pass


class CheckInSerializer(serializers.Serializer):
    slot = id_field()
    volunteer = id_field(help_text="A volunteer with a confirmed sign-up for the slot.")
    direction = serializers.ChoiceField(choices=[("in", "in"), ("out", "out")])
    idempotency_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Sent again with a retry, the first answer comes back and nothing is counted "
        "twice (1–64 letters, digits, . _ : -). A UUID per tap is right.",
    )
    at = serializers.DateTimeField(
        required=False, help_text="When it happened, for checks queued offline (default: now)."
    )
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)


class CheckInFilter(serializers.Serializer):
    slot = id_field(help_text="The slot's intervals.")


class SheetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="xlsx or csv, at most 5 MB, one row per record.")
    organization = id_field(help_text="An organisation you record for: rows name its activities.")


class PolicyInputSerializer(serializers.Serializer):
    rounding = serializers.ChoiceField(choices=Rounding.choices)


# --- records ----------------------------------------------------------------------------------


class HourRecordViewSet(viewsets.GenericViewSet):
    """Service records of the activities organised in the user's subtrees, newest first."""

    serializer_class = HourRecordSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[HourRecord]:
        return selectors.records(self.request.user)

    def _record(self, pk: str) -> HourRecord:
        return get_scoped_or_404(self.request.user, self.get_queryset(), pk=object_id(pk))

    def _filtered(self, data: dict[str, Any]) -> QuerySet[HourRecord]:
        found = self.get_queryset()
        for name in ("status", "activity", "slot", "volunteer"):
            if name in data:
                found = found.filter(**{name: data[name]})
        if "organization" in data:
            organization = get_scoped_or_404(
                self.request.user, Organization.objects.all(), pk=data["organization"]
            )
            found = in_subtree(found, organization)
        return selectors.in_period(found, data.get("start"), data.get("end"))

    @extend_schema(
        summary="List service records in your subtrees",
        parameters=[RecordFilter],
        responses={200: HourRecordSerializer(many=True), **errors(400, 401, 404)},
    )
    def list(self, request: Request) -> Response:
        found = self._filtered(validated(RecordFilter, request.query_params)).order_by(
            "-start", "-pk"
        )
        page = self.paginate_queryset(found)
        answer = _records_answer(list(page or []))
        return self.get_paginated_response(answer.data)

    @extend_schema(
        summary="One service record",
        responses={200: HourRecordSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return _records_answer([self._record(pk)], many=False)

    @extend_schema(
        summary="Enter a volunteer's hours (the organiser's leaders); pending until confirmed",
        request=RecordCreateSerializer,
        responses={201: HourRecordSerializer, **errors(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(RecordCreateSerializer, request.data)
        activity = get_scoped_or_404(
            request.user,
            Activity.objects.select_related("organizer"),
            permissions.RECORDING,
            pk=data["activity"],
        )
        slot = None
        if data["slot"] is not None:
            slot = activity.slots.filter(pk=data["slot"]).first()
            if slot is None:
                raise NotFound()
        volunteer = Volunteer.objects.filter(pk=data["volunteer"]).first()
        if volunteer is None:
            raise NotFound()
        record = services.record_hours(
            volunteer,
            activity=activity,
            slot=slot,
            start=data["start"],
            end=data["end"],
            content=data["content"],
            actor=request.user,
        )
        return _records_answer([record], many=False, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a pending record's times or content",
        request=RecordEditSerializer,
        responses={200: HourRecordSerializer, **errors(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = validated(RecordEditSerializer, request.data)
        record = self._record(pk)
        edited = services.edit_record(record, actor=request.user, **data)
        return _records_answer([edited], many=False)

    @extend_schema(
        summary="Confirm pending records, all or none (the organiser's leaders)",
        description="Each joins its organiser's hash chain. A leader's own hours and a "
        "correction its author entered need a second person: the answer names each refused "
        "record and nothing is confirmed.",
        request=RecordConfirmSerializer,
        responses={200: HourRecordSerializer(many=True), **errors(400, 401, 403, 404)},
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def confirm(self, request: Request) -> Response:
        data = validated(RecordConfirmSerializer, request.data)
        chosen = list(self.get_queryset().filter(pk__in=data["records"]))
        if len(chosen) != len(set(data["records"])):
            raise NotFound()
        return _records_answer(services.confirm_records(chosen, actor=request.user))

    @extend_schema(
        summary="Reject a pending record, with a reason",
        request=RecordRejectSerializer,
        responses={200: HourRecordSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        data = validated(RecordRejectSerializer, request.data)
        record = self._record(pk)
        return _records_answer(
            [services.reject_record(record, actor=request.user, **data)], many=False
        )

    @extend_schema(
        summary="Correct a confirmed record: a new pending record in its place",
        description="The record stays as it is; the correction counts once someone other than "
        "its author confirms it. `void` makes it a record of no time.",
        request=RecordCorrectionSerializer,
        responses={201: HourRecordSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def corrections(self, request: Request, pk: str) -> Response:
        data = validated(RecordCorrectionSerializer, request.data)
        record = self._record(pk)
        start, end = (
            (record.start, record.start) if data["void"] else (data.get("start"), data.get("end"))
        )
        correction = services.request_correction(
            record,
            actor=request.user,
            reason=data["reason"],
            start=start,
            end=end,
            content=data.get("content"),
        )
        return _records_answer([correction], many=False, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Counted hours of your subtrees (or one organisation's) for a period",
        parameters=[HourTotalsFilter],
        responses={200: HourTotalsSerializer, **errors(400, 401, 404)},
    )
    @action(detail=False, pagination_class=None)
    def totals(self, request: Request) -> Response:
        data = validated(HourTotalsFilter, request.query_params)
        if "slot" in data or "volunteer" in data:
            found = self._filtered(data)
            rows = selectors.totals_by_organizer(found)
            minutes = sum(row.minutes for row in rows)
        else:
            organization = None
            if "organization" in data:
                organization = get_scoped_or_404(
                    request.user, Organization.objects.all(), pk=data["organization"]
                )
            totals = selectors.office_totals(
                request.user,
                organization=organization,
                start=data.get("start"),
                end=data.get("end"),
                status=data.get("status", ""),
                activity=data.get("activity"),
            )
            rows, minutes = totals.by_organizer, totals.minutes
        by_organizer = [
            {
                "organizer": row.organizer,
                "minutes": row.minutes,
                "hours": f"{row.hours:.2f}",
                "records": row.records,
                "volunteers": row.volunteers,
            }
            for row in rows
        ]
        body = {
            "minutes": minutes,
            "hours": f"{rules.hours(minutes):.2f}",
            "by_organizer": by_organizer,
        }
        return Response(HourTotalsSerializer(body).data)


# --- check-in ---------------------------------------------------------------------------------


class CheckInView(APIView):
    """Check a volunteer in or out of a slot (the organiser's leaders)."""

    @extend_schema(
        summary="List a slot's check-in intervals",
        parameters=[CheckInFilter],
        responses={200: AttendanceSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        data = validated(CheckInFilter, request.query_params)
        slot = _slot(request, data["slot"], roles=None)
        found = (
            Attendance.objects.filter(slot=slot)
            .select_related("volunteer")
            .order_by("checked_in_at", "pk")
        )
        return Response(AttendanceSerializer(found, many=True).data)

    @extend_schema(
        summary="Check a volunteer in or out, idempotently",
        description="201: this call checked them in or out. 200: nothing new was written (a "
        "retry with the same idempotency key, a second scan, a second check-out): the answer is "
        "the interval as it stands. A check-out makes a pending record of the time within the "
        "slot. A check outside the activity's radius is recorded and flagged.",
        request=CheckInSerializer,
        responses={
            200: OpenApiResponse(AttendanceSerializer, description="Already done: nothing new."),
            201: OpenApiResponse(AttendanceSerializer, description="Checked in or out."),
            **errors(400, 401, 403, 404),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(CheckInSerializer, request.data)
        slot = _slot(request, data["slot"], roles=permissions.RECORDING)
        volunteer = Volunteer.objects.filter(pk=data["volunteer"]).first()
        if volunteer is None:
            raise NotFound()
        action_ = checkin.check_out if data["direction"] == "out" else checkin.check_in
        checked = action_(
            slot,
            volunteer,
            actor=request.user,
            key=data.get("idempotency_key") or None,
            at=data.get("at"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )
        code = status.HTTP_201_CREATED if checked.created else status.HTTP_200_OK
        return Response(ATTENDANCE_ANSWER.to_representation(checked.attendance), status=code)


def _slot(request: Request, pk: int, *, roles: Any) -> Slot:
    found = Slot.objects.select_related("activity__organizer")
    if roles is None:
        return get_scoped_or_404(request.user, found, pk=pk)
    return get_scoped_or_404(request.user, found, roles, pk=pk)


class CheckInCodeView(APIView):
    @extend_schema(
        summary="A slot's current check-in code (for a leader's app showing the QR code)",
        responses={200: CheckInCodeSerializer, **errors(401, 404)},
    )
    def get(self, request: Request, slot: str) -> Response:
        found = _slot(request, object_id(slot), roles=permissions.RECORDING)
        token = checkin.slot_token(found)
        url = request.build_absolute_uri(reverse("public:checkin-scan", args=[token]))
        return Response(
            CheckInCodeSerializer(
                {"token": token, "url": url, "seconds_left": checkin.seconds_left()}
            ).data
        )


class SlotRosterView(APIView):
    @extend_schema(
        summary="A slot's roster: confirmed sign-ups with their intervals and records",
        responses={200: SlotRosterLineSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: Request, slot: str) -> Response:
        found = _slot(request, object_id(slot), roles=None)
        lines = [
            {
                "volunteer": line.signup.volunteer,
                "mobile": mask_phone(line.signup.volunteer.mobile),
                "checked_in": line.checked_in,
                "no_show": line.no_show,
                "attendances": line.attendances,
                "records": [r.pk for r in line.records],
            }
            for line in selectors.roster(found)
        ]
        return Response(SlotRosterLineSerializer(lines, many=True).data)


# --- back-filled sheets -----------------------------------------------------------------------


class HoursImportViewSet(viewsets.GenericViewSet):
    """Back-filled sheets uploaded in the user's subtrees, newest first."""

    serializer_class = HoursImportSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[HoursImport]:
        return selectors.hours_imports(self.request.user)

    def _item(self, pk: str) -> HoursImport:
        return get_scoped_or_404(self.request.user, self.get_queryset(), pk=object_id(pk))

    @extend_schema(
        summary="List back-filled sheets",
        responses={200: HoursImportSerializer(many=True), **errors(400, 401)},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(HoursImportSerializer(page, many=True).data)

    @extend_schema(
        summary="One back-filled sheet and its problems",
        responses={200: HoursImportSerializer, **errors(401, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(HoursImportSerializer(self._item(pk)).data)

    @extend_schema(
        summary="Upload a sheet of hours: the dry run answers its problems per row",
        request={"multipart/form-data": SheetUploadSerializer},
        responses={201: HoursImportSerializer, **errors(400, 401, 403, 404)},
    )
    def create(self, request: Request) -> Response:
        data = validated(SheetUploadSerializer, request.data)
        organization = get_scoped_or_404(
            request.user, Organization.objects.all(), permissions.RECORDING, pk=data["organization"]
        )
        upload = data["file"]
        item = backfill.upload_sheet(
            upload.read(backfill.MAX_BYTES + 1),
            filename=upload.name,
            organization=organization,
            actor=request.user,
        )
        return Response(HoursImportSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Import a checked sheet without problems: all rows as pending records, or none",
        request=None,
        responses={200: HoursImportSerializer, **errors(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="import")
    def import_sheet(self, request: Request, pk: str) -> Response:
        item = self._item(pk)
        backfill.import_sheet(item, actor=request.user)
        item.refresh_from_db()
        return Response(HoursImportSerializer(item).data)


# --- the rounding rule ------------------------------------------------------------------------


class HoursPolicyView(APIView):
    def _answer(self, organization: Organization) -> Response:
        policy = selectors.policy_for(organization)
        set_by = policy.organization if policy.pk else None
        body = {"organization": organization, "rounding": policy.rounding, "set_by": set_by}
        return Response(HoursPolicySerializer(body).data)

    @extend_schema(
        summary="The rounding rule in force for an organisation (inherited from above)",
        responses={200: HoursPolicySerializer, **errors(401, 404)},
    )
    def get(self, request: Request, organization: str) -> Response:
        found = get_scoped_or_404(
            request.user, Organization.objects.all(), pk=object_id(organization)
        )
        return self._answer(found)

    @extend_schema(
        summary="Set the rounding rule of an organisation you administer (its subtree inherits it)",
        request=PolicyInputSerializer,
        responses={200: HoursPolicySerializer, **errors(400, 401, 403, 404)},
    )
    def put(self, request: Request, organization: str) -> Response:
        data = validated(PolicyInputSerializer, request.data)
        found = get_scoped_or_404(
            request.user, Organization.objects.all(), pk=object_id(organization)
        )
        services.set_hours_policy(found, actor=request.user, rounding=data["rounding"])
        return self._answer(found)


# --- the volunteer's own (a volunteer token: api/volunteer_auth.py) ---------------------------


class VolunteerCheckSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=600,
        help_text="What the slot's QR code carries: the check-in URL, or the token in it.",
    )
    direction = serializers.ChoiceField(choices=[("in", "in"), ("out", "out")])
    idempotency_key = serializers.CharField(max_length=64, required=False, allow_blank=True)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)


#: The volunteer's check-in form, one instance for every request (`shared.checked_by`).
VOLUNTEER_CHECK_FORM = VolunteerCheckSerializer()


class YearFilter(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=1980, max_value=9999, help_text="A local year (default: this)."
    )


class MyHoursSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    years = serializers.ListField(child=serializers.IntegerField(), help_text="Years with records.")
    minutes = serializers.IntegerField(help_text="The year's counted minutes.")
    hours = serializers.CharField()
    target_hours = serializers.CharField(
        help_text="The yearly hours of the city's recognition policy where the volunteer "
        "registered (plan §三(二)3: 20 by default)."
    )
    percent = serializers.IntegerField(help_text="Progress toward the target, 0–100.")
    records = HourRecordSerializer(many=True)


class VolunteerCorrectionRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="What is wrong with the record.")
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)


def _token_of(code: str) -> str:
    """The token in a check-in URL (…/checkin/<token>/), or the code itself."""
    marker = "/checkin/"
    if marker in code:
        return code.split(marker, 1)[1].strip("/").split("/", 1)[0]
    return code.strip()


class VolunteerCheckInView(VolunteerView):
    @extend_schema(
        summary="Check yourself in or out with the slot's QR code",
        description="The code must be current (it changes every HOURS_QR_SECONDS; the previous "
        "one is accepted too). 201: this call checked you in or out; 200: nothing new (a retry "
        "with the same idempotency key, a second scan).",
        request=VolunteerCheckSerializer,
        responses={
            200: OpenApiResponse(AttendanceSerializer, description="Already done: nothing new."),
            201: OpenApiResponse(AttendanceSerializer, description="Checked in or out."),
            **errors(400, 401, 404),
        },
    )
    def post(self, request: Request) -> Response:
        data = checked_by(VOLUNTEER_CHECK_FORM, request.data)
        slot_id = checkin.token_slot_id(_token_of(data["code"]))
        signup = selectors.own_signup(slot_id, self.session().mobile_digest)
        if signup is None:  # no such slot, or no confirmed sign-up of the caller for it
            raise NotFound()
        key = data.get("idempotency_key") or None
        where = {"latitude": data.get("latitude"), "longitude": data.get("longitude")}
        if data["direction"] == "out":
            checked = checkin.check_out(signup.slot, signup.volunteer, actor=None, key=key, **where)
        else:
            checked = checkin.check_in_signed_up(signup, key=key, **where)
        code = status.HTTP_201_CREATED if checked.created else status.HTTP_200_OK
        return Response(ATTENDANCE_ANSWER.to_representation(checked.attendance), status=code)


class VolunteerHoursView(VolunteerView):
    @extend_schema(
        summary="Your service records of a year, its confirmed hours and the progress toward "
        "the yearly target",
        parameters=[YearFilter],
        responses={200: MyHoursSerializer, **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        data = validated(YearFilter, request.query_params)
        mine = selectors.records_of_volunteers(self.session().mobile_digest)
        years = selectors.years_of(mine)
        year = data.get("year") or years[0]
        start, end = selectors.year_bounds(year)
        records = list(mine.filter(start__gte=start, start__lt=end).order_by("-start", "-pk"))
        digest = self.session().mobile_digest
        progress = selectors.yearly_progress(mine, year, yearly_target_of_person(digest))
        body = {
            "year": year,
            "years": years,
            "minutes": progress.minutes,
            "hours": f"{progress.hours:.2f}",
            "target_hours": f"{progress.target_hours:.2f}",
            "percent": progress.percent,
            "records": _records_answer(records).data,
        }
        return Response(body)


class VolunteerCorrectionView(VolunteerView):
    @extend_schema(
        summary="Ask for one of your confirmed records to be corrected (67号令 第十六条)",
        description="The organiser's leaders decide: the correction counts once one of them "
        "confirms it.",
        request=VolunteerCorrectionRequestSerializer,
        responses={201: HourRecordSerializer, **errors(400, 401, 404)},
    )
    def post(self, request: Request, pk: str) -> Response:
        data = validated(VolunteerCorrectionRequestSerializer, request.data)
        mine = selectors.records_of_volunteers(self.session().mobile_digest)
        record = mine.filter(pk=object_id(pk)).first()
        if record is None:
            raise NotFound()
        correction = services.request_correction(
            record,
            actor=None,
            by_volunteer=True,
            reason=data["reason"],
            start=data.get("start"),
            end=data.get("end"),
        )
        return _records_answer([correction], many=False, code=status.HTTP_201_CREATED)
