"""The benchmarks' synthetic rosters (benchmarks/rosters.py) are valid and unique by
construction, so that bench_roster measures imports, not refusals (issue 10, item 5)."""

import io
from collections import Counter
from itertools import islice

import pytest
from benchmarks.rosters import (
    AREAS,
    BIRTH_DAYS,
    HEADER,
    MAX_ROWS,
    SEQUENCES,
    resident_id,
    roster_rows,
    write_roster,
)

from tests.volunteers.rosters import checked
from zhiyuan.common.identity import DocumentType, parse_identity_document
from zhiyuan.demo.synthetic import CONTACT_BLOCK, MOBILE_BLOCKS
from zhiyuan.volunteers.enums import ImportStatus

ROWS = 20_000
ID, MOBILE, CONTACT = (
    HEADER.index("身份证号"),
    HEADER.index("手机号"),
    HEADER.index("紧急联系人电话"),
)


@pytest.fixture(scope="module")
def generated() -> list[list[object]]:
    return list(roster_rows(ROWS))


def duplicates(values: list[object]) -> list[object]:
    return [value for value, times in Counter(values).items() if times > 1]


def test_generated_rows_have_no_duplicate_id_numbers_or_phones(generated):
    phones = [row[MOBILE] for row in generated] + [row[CONTACT] for row in generated]

    assert len(generated) == ROWS
    assert duplicates([row[ID] for row in generated]) == []
    assert duplicates(phones) == []
    assert len(set(phones)) == 2 * ROWS


def test_id_numbers_are_distinct_where_sequences_dates_and_areas_roll_over():
    # The last date of birth, the next sequence, the next area, and the very last number.
    edges = [0, BIRTH_DAYS - 1, BIRTH_DAYS, BIRTH_DAYS * SEQUENCES - 1, BIRTH_DAYS * SEQUENCES]
    numbers = [resident_id(index) for index in [*edges, MAX_ROWS - 1]]

    assert len(set(numbers)) == len(numbers)
    assert [number[14:17] for number in numbers[:5]] == ["001", "001", "002", "999", "001"]
    assert [number[:6] for number in numbers] == [*[AREAS[0]] * 4, AREAS[1], AREAS[-1]]
    with pytest.raises(ValueError):
        resident_id(MAX_ROWS)


def test_every_generated_id_number_passes_the_identity_check(generated):
    for row in islice(generated, 0, None, 97):
        document = parse_identity_document(DocumentType.RESIDENT_ID, row[ID])
        assert document.number == row[ID]
        assert document.birth_date == row[HEADER.index("出生日期")]
        assert (document.gender == "male") == (row[HEADER.index("性别")] == "男")


def test_phones_are_the_synthetic_blocks_and_mobiles_never_meet_contacts(generated):
    mobiles = {row[HEADER.index("手机号")] for row in generated}
    contacts = {row[-1] for row in generated}
    assert {number[:4] for number in mobiles} <= set(MOBILE_BLOCKS)
    assert {number[:4] for number in contacts} == {CONTACT_BLOCK}
    assert mobiles.isdisjoint(contacts)


@pytest.mark.django_db
def test_a_dry_run_of_a_sample_of_the_generated_rows_reports_no_problem(generated, registrar, body):
    # Every 40th row, and the last ones, where every choice word has come up.
    sample = [row for index, row in enumerate(generated) if index % 40 == 0 or index >= ROWS - 100]
    buffer = io.BytesIO()
    write_roster(buffer, sample)

    report = checked(registrar, body, buffer.getvalue())

    assert report.status == ImportStatus.CHECKED
    assert report.problems == []
    assert (report.rows_total, report.rows_valid, report.rows_invalid) == (598, 598, 0)
