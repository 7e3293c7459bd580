"""The occupation group stored on each registration (`Volunteer.occupation_group`, a column the
database computes from the occupation, which Attachment 5 counts by): the group of the keyword
rule (`volunteers.enums.occupation_group`) on every write path — a registration made, saved,
updated in bulk, or written by the bulk writer of the roster import and the generator."""

import pytest
from django.core.management import call_command

from tests.volunteers import people
from zhiyuan.accounts.models import User
from zhiyuan.demo.models import DatabaseKind
from zhiyuan.demo.population import mark_database, synthetic_volunteers
from zhiyuan.volunteers.enums import OccupationGroup, occupation_group
from zhiyuan.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("occupation", "group"),
    [
        ("退休教师", OccupationGroup.RETIRED),  # retired first, not staff
        ("离休干部", OccupationGroup.RETIRED),
        ("在校学生", OccupationGroup.STUDENT),
        ("机关干部", OccupationGroup.OFFICIAL),
        ("中学教师", OccupationGroup.STAFF),
        ("农民工", OccupationGroup.STAFF),  # staff is tried before farmers
        ("农民", OccupationGroup.FARMER),
        ("个体经营", OccupationGroup.OTHER),
        ("", OccupationGroup.OTHER),
        ("Teacher", OccupationGroup.OTHER),
    ],
)
def test_the_keyword_rule_and_the_stored_column_agree(
    occupation: str, group: str, registrar: User
) -> None:
    assert occupation_group(occupation) == group
    volunteer = people.registered(registrar, occupation=occupation)
    assert Volunteer.objects.get(pk=volunteer.pk).occupation_group == group


def _stored(volunteer: Volunteer) -> str:
    return Volunteer.objects.values_list("occupation_group", flat=True).get(pk=volunteer.pk)


def test_the_stored_group_follows_the_occupation_when_saved_or_updated(registrar: User) -> None:
    volunteer = people.registered(registrar, occupation="退休工人")
    assert _stored(volunteer) == OccupationGroup.RETIRED

    volunteer.occupation = "大学在读"
    volunteer.save()
    assert _stored(volunteer) == OccupationGroup.STUDENT

    Volunteer.objects.filter(pk=volunteer.pk).update(occupation="渔民")
    assert _stored(volunteer) == OccupationGroup.FARMER

    Volunteer.objects.filter(pk=volunteer.pk).update(occupation="")
    assert _stored(volunteer) == OccupationGroup.OTHER


def test_registrations_written_in_bulk_get_their_group() -> None:
    # The generator writes through common.bulk.TableWriter, as the roster import does.
    mark_database(DatabaseKind.DEMO)
    call_command("generate_population", division="430600000000", volunteers=60, applications=5)
    rows = list(synthetic_volunteers().values_list("occupation", "occupation_group"))

    assert len(rows) == 65
    assert {group for _occupation, group in rows} >= {
        OccupationGroup.RETIRED,
        OccupationGroup.STAFF,
    }
    assert all(group == occupation_group(occupation) for occupation, group in rows)
