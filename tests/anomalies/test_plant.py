"""`zhiyuan plant_anomalies` (issue 14): refused on a database not marked as a demo's or a
benchmark's; on a generated population it plants one case of every rule, and the detection
finds exactly the planted cases, no more."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from zhiyuan.anomalies.enums import Rule
from zhiyuan.anomalies.models import Flag
from zhiyuan.anomalies.services import detect_anomalies
from zhiyuan.checks import sampling
from zhiyuan.checks.enums import ItemKind
from zhiyuan.checks.services import population
from zhiyuan.demo.models import DatabaseKind
from zhiyuan.demo.planting import plant_anomalies
from zhiyuan.demo.population import generate_population, mark_database
from zhiyuan.divisions.models import Division
from zhiyuan.hours.models import HourRecord
from zhiyuan.organizations.models import Organization

CITY = "430600000000"
SMALL = {
    "ANOMALY_BURST_REGISTRATIONS": 5,
    "ANOMALY_SHARED_MOBILE": 4,
    "ANOMALY_BULK_IDENTICAL": 6,
}

#: How many planted false registrations the spot check of seed 2026 finds (16 of 200 planted,
#: 40 sampled: 3.2 expected by chance).
SPOT_FOUND = 2

pytestmark = pytest.mark.django_db


def test_a_database_not_marked_as_demo_or_benchmark_is_refused_and_nothing_written():
    with translation.override("en"), pytest.raises(CommandError, match="not marked as a demo"):
        call_command("plant_anomalies", seed=1)

    assert not HourRecord.objects.exists()


def test_without_a_population_nothing_is_planted():
    mark_database(DatabaseKind.DEMO)

    with translation.override("en"), pytest.raises(CommandError, match="Generate a population"):
        call_command("plant_anomalies", seed=1)


@override_settings(**SMALL)
def test_the_flags_find_exactly_the_planted_cases():
    mark_database(DatabaseKind.BENCHMARK)
    generate_population(Division.objects.get(code=CITY), volunteers=200, applications=0, seed=3)
    assert detect_anomalies().found == dict.fromkeys(Rule.values, 0)  # a clean population

    planted = plant_anomalies(seed=11)
    run = detect_anomalies()

    assert run.found == dict.fromkeys(Rule.values, 1)
    for flag in Flag.objects.all():
        records = set(flag.record_links.values_list("record_id", flat=True))
        volunteers = set(flag.volunteer_links.values_list("volunteer_id", flat=True))
        assert records == planted.records[flag.rule], flag.rule
        assert volunteers == planted.volunteers[flag.rule], flag.rule
    # 1 child, 5 + 5 in bursts, 1 on the registrar's phone, 4 on one mobile.
    assert len(planted.false_registrations) == 16
    # A spot check of 20 % of the city's registrations (the checks app's population and draw,
    # seed 2026) calls 40 of the 200 people, SPOT_FOUND of them planted: the same every time.
    assert spot_check(planted.false_registrations, seed=2026) == (40, SPOT_FOUND)
    assert spot_check(planted.false_registrations, seed=2026) == (40, SPOT_FOUND)


def spot_check(false: set[int], *, seed: int) -> tuple[int, int]:
    """A spot check of 20 % of the city's registrations over all time: (sampled, how many of
    them are among `false`)."""
    city = Organization.objects.get(depth=1)
    strata = population(city, ItemKind.REGISTRATION, date(2000, 1, 1), date(2100, 1, 1))
    total = sum(len(stratum.ids) for stratum in strata)
    size = sampling.sample_size(total, size=None, rate=Decimal(20))
    sampled = {pk for _stratum, ids in sampling.draw(strata, size, seed) for pk in ids}
    return len(sampled), len(sampled & false)


@override_settings(**SMALL)
def test_the_same_seed_plants_the_same_cases():
    mark_database(DatabaseKind.BENCHMARK)
    generate_population(Division.objects.get(code=CITY), volunteers=200, applications=0, seed=3)

    from django.db import transaction

    class Rollback(Exception):
        pass

    def planted(seed: int) -> dict[str, set[int]]:
        try:
            with transaction.atomic():
                found = plant_anomalies(seed=seed).volunteers
                raise Rollback
        except Rollback:
            return found

    assert planted(4) == planted(4)
    assert planted(4) != planted(5)
