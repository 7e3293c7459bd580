"""`zhiyuan generate_population` (issue 11, item 9): refused on a database not marked as a demo's
or a benchmark's; reproducible from its seed; valid and unique people; counted by the tables as
any registered volunteer."""

from collections import Counter
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from zhiyuan.common.identity import DocumentType, parse_identity_document
from zhiyuan.common.models import AuditEntry
from zhiyuan.demo import synthetic
from zhiyuan.demo.models import DatabaseKind, GeneratedPopulation
from zhiyuan.demo.population import generate_population, mark_database, synthetic_volunteers
from zhiyuan.divisions.models import Division
from zhiyuan.organizations.models import Organization
from zhiyuan.reports import attachment3
from zhiyuan.reports.models import Headcount, ResidentPopulation
from zhiyuan.reports.selectors import local_today
from zhiyuan.volunteers.enums import RegistrationStatus
from zhiyuan.volunteers.models import Volunteer
from zhiyuan.volunteers.selectors import registered_volunteers

CITY = "430600000000"
PEOPLE, APPLICATIONS = 300, 20

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def generated(seed: int, *, division: str = CITY, workers: int = 0) -> list[tuple[object, ...]]:
    """What a run with `seed` makes, read back, then rolled back."""
    rows: list[tuple[object, ...]] = []
    try:
        with transaction.atomic():
            generate_population(
                Division.objects.get(code=division),
                volunteers=PEOPLE,
                applications=APPLICATIONS,
                seed=seed,
                workers=workers,
            )
            for v in synthetic_volunteers().order_by("pk").select_related("organization"):
                rows.append(
                    (
                        v.name,
                        v.document_number,
                        v.mobile,
                        v.birth_date,
                        v.gender,
                        v.political_status,
                        v.education,
                        v.organization.code,
                        v.work_unit_id and v.work_unit.code,
                        v.status,
                        v.registration_number,
                        v.registered_on,
                    )
                )
            raise Rollback
    except Rollback:
        pass
    return rows


def test_a_database_not_marked_as_demo_or_benchmark_is_refused_and_nothing_written():
    with translation.override("en"), pytest.raises(CommandError, match="not marked as a demo"):
        call_command("generate_population", division=CITY, volunteers=10, seed=1)

    assert not synthetic_volunteers().exists()
    assert not Organization.objects.filter(code__startswith="SYN").exists()
    assert not ResidentPopulation.objects.exists()
    assert not GeneratedPopulation.objects.exists()


def test_the_same_seed_makes_the_same_people_and_another_seed_others():
    mark_database(DatabaseKind.BENCHMARK)

    first, again, other = generated(7), generated(7), generated(8)

    assert len(first) == PEOPLE + APPLICATIONS
    assert first == again
    assert [row[0] for row in first] != [row[0] for row in other]
    # Another seed: other people (an ID number may recur by chance: same area, day, sex).
    assert len({row[1] for row in first} & {row[1] for row in other}) < PEOPLE // 10


def test_forked_workers_make_the_very_same_people():
    mark_database(DatabaseKind.BENCHMARK)

    assert generated(5, workers=2) == generated(5, workers=0)


def test_every_person_is_valid_and_unique():
    mark_database(DatabaseKind.DEMO)
    call_command("generate_population", division=CITY, volunteers=PEOPLE, applications=APPLICATIONS)
    people = list(synthetic_volunteers())
    numbers = [v.document_number for v in people]
    mobiles = [v.mobile for v in people]

    assert len(people) == PEOPLE + APPLICATIONS
    assert len(set(numbers)) == len(numbers)
    assert len(set(mobiles)) == len(mobiles)
    assert len({v.document_digest for v in people}) == len(people)
    for v in people:
        document = parse_identity_document(DocumentType.RESIDENT_ID, v.document_number)
        assert document.number[-1] == synthetic.resident_id_check_character(v.document_number[:17])
        assert (document.birth_date, document.gender) == (v.birth_date, v.gender)
        assert v.document_number[:6] in {"430602", "430603", "430611"}  # the world's counties
        assert v.mobile[:4] in synthetic.MOBILE_BLOCKS
        assert v.organization_path == v.organization.path
        assert v.body_organization_path == v.body.organization.path
    statuses = Counter(v.status for v in people)
    assert statuses == {RegistrationStatus.ACTIVE: PEOPLE, RegistrationStatus.APPLIED: APPLICATIONS}
    numbers_issued = [v.registration_number for v in people if v.registration_number]
    assert len(set(numbers_issued)) == PEOPLE
    assert registered_volunteers(synthetic_volunteers()).count() == PEOPLE
    entries = AuditEntry.objects.filter(object_type="volunteers.volunteer")
    assert sorted(entries.values_list("action", "object_id", "organization_id")) == sorted(
        (
            "volunteer.registration.confirmed"
            if v.status == "active"
            else "volunteer.registration.applied",
            str(v.pk),
            v.organization_id,
        )
        for v in people
    )


def test_a_second_run_over_the_same_area_is_refused():
    mark_database(DatabaseKind.BENCHMARK)
    generate_population(Division.objects.get(code=CITY), volunteers=5, seed=1)

    with pytest.raises(ValidationError) as refused:
        generate_population(Division.objects.get(code="430602000000"), volunteers=5, seed=2)

    assert refused.value.code == "generated"
    assert synthetic_volunteers().count() == 5


def test_generated_people_count_in_attachment_3_as_registered_volunteers():
    mark_database(DatabaseKind.BENCHMARK)
    generate_population(
        Division.objects.get(code=CITY), volunteers=PEOPLE, applications=APPLICATIONS, seed=3
    )
    root = Organization.objects.get(code="4306-GC")
    day = local_today()

    result = attachment3.allocation(root, day)

    assert result.area is not None
    assert (result.area.counts.registered, result.area.counts.pending) == (PEOPLE, APPLICATIONS)
    assert result.area.denominator.value is not None  # the built-up area has populations
    lines = {line.organization.code: line for line in result.top.all_lines()}
    units = Organization.objects.filter(code__startswith="SYN")
    assert units.count() > 0
    for unit in units:
        line = lines[unit.code]
        staff = Volunteer.objects.filter(work_unit=unit)
        assert line.counts.registered == staff.filter(status="active").count()
        assert line.counts.pending == staff.filter(status="applied").count()
        this_year = Headcount.objects.get(organization=unit, valid_from=date(day.year, 1, 1))
        assert line.denominator.value == this_year.headcount
    stations = [line for code, line in lines.items() if code.endswith("-ST")]
    through_stations = synthetic_volunteers().filter(
        organization__code__endswith="-ST", status="active"
    )
    assert sum(line.counts.registered for line in stations) == through_stations.count() > 0
    assert all(line.denominator.value for line in stations)


def test_a_person_already_registered_stops_the_run_and_nothing_is_written(registered, registrar):
    mark_database(DatabaseKind.BENCHMARK)
    holder = registered(registrar, document_number=generated(9)[0][1])
    before = Volunteer.objects.count()

    with pytest.raises(ValidationError) as refused:
        generate_population(
            Division.objects.get(code=CITY), volunteers=PEOPLE, applications=0, seed=9
        )

    assert refused.value.code == "registered"
    assert Volunteer.objects.count() == before
    assert not GeneratedPopulation.objects.exists()
    assert holder.status == RegistrationStatus.ACTIVE
