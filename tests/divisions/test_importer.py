import gzip
import hashlib
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhiyuan.accounts.models import User
from zhiyuan.common.models import AuditEntry
from zhiyuan.divisions.importer import DivisionImportError, import_divisions
from zhiyuan.divisions.models import Division, DivisionImport
from zhiyuan.organizations.enums import OrgKind
from zhiyuan.organizations.models import Organization
from zhiyuan.organizations.structure import build_structure

HEADER = "code,name,level,parent_code"
# 东莞市 has townships directly under the prefecture-level city (no county level).
GUANGDONG = [
    "440000000000,广东省,1,",  # line 2
    "440100000000,广州市,2,440000000000",
    "441900000000,东莞市,2,440000000000",
    "440103000000,荔湾区,3,440100000000",
    "440103001000,沙面街道,4,440103000000",
    "441900003000,东城街道,4,441900000000",
    "440103001001,沙面社区居民委员会,5,440103001000",
    "441900003001,东城社区,5,441900003000",  # line 9
]
REAL_YUEYANG = Path(__file__).parents[2] / "src/zhiyuan/divisions/data/yueyang-430600-2023.csv"


def write(tmp_path: Path, lines: list[str], name: str = "divisions.csv") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{line}\n" for line in [HEADER, *lines]), encoding="utf-8")
    return path


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_divisions", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def run_failing(path: Path, *args: str) -> tuple[str, str]:
    """(stderr, the command's error) of an import that must fail."""
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_divisions", str(path), *args, stdout=StringIO(), stderr=err)
    return err.getvalue(), str(failure.value)


def state() -> tuple[int, int, int, int]:
    return (
        Division.objects.count(),
        Division.objects.filter(abolished=True).count(),
        DivisionImport.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_clean_import_writes_every_division(tmp_path: Path) -> None:
    before = Division.objects.count()
    out = run(write(tmp_path, GUANGDONG), "--source", "stats 2023", "--year", "2023")
    assert Division.objects.count() == before + 8
    rows = Division.objects.filter(code__startswith="44").values_list(
        "code", "name", "level", "parent_id", "source", "year", "abolished"
    )
    assert list(rows) == [
        ("440000000000", "广东省", 1, None, "stats 2023", 2023, False),
        ("440100000000", "广州市", 2, "440000000000", "stats 2023", 2023, False),
        ("440103000000", "荔湾区", 3, "440100000000", "stats 2023", 2023, False),
        ("440103001000", "沙面街道", 4, "440103000000", "stats 2023", 2023, False),
        ("440103001001", "沙面社区居民委员会", 5, "440103001000", "stats 2023", 2023, False),
        ("441900000000", "东莞市", 2, "440000000000", "stats 2023", 2023, False),
        ("441900003000", "东城街道", 4, "441900000000", "stats 2023", 2023, False),
        ("441900003001", "东城社区", 5, "441900003000", "stats 2023", 2023, False),
    ]
    assert out.splitlines()[0] == "8 rows: 8 created, 0 updated, 0 abolished."


@pytest.mark.django_db
def test_output_ends_with_counts_per_level(tmp_path: Path) -> None:
    out = run(write(tmp_path, GUANGDONG))
    assert out.splitlines()[-6:] == [
        "Divisions per level in the file:",
        "  1 Province: 1",
        "  2 Prefecture-level city: 2",
        "  3 County level: 1",
        "  4 Township level: 2",
        "  5 Village level: 2",
    ]


@pytest.mark.django_db
def test_township_directly_under_a_prefecture_level_city(tmp_path: Path) -> None:
    run(write(tmp_path, GUANGDONG))
    township = Division.objects.get(code="441900003000")
    assert (township.level, township.parent_id) == (4, "441900000000")
    assert list(
        Division.objects.get(code="441900000000").children.values_list("code", flat=True)
    ) == ["441900003000"]


@pytest.mark.django_db
def test_reimport_changes_nothing_and_never_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, GUANGDONG)
    run(path)
    before = Division.objects.count()
    out = run(path)
    assert out.splitlines()[0] == "8 rows: 0 created, 0 updated, 0 abolished."
    assert Division.objects.count() == before


@pytest.mark.django_db
def test_reimport_updates_names(tmp_path: Path) -> None:
    run(write(tmp_path, GUANGDONG))
    before = Division.objects.count()
    renamed = [line.replace("东城社区", "东城新社区") for line in GUANGDONG]
    out = run(write(tmp_path, renamed, "renamed.csv"))
    assert out.splitlines()[0] == "8 rows: 0 created, 1 updated, 0 abolished."
    assert Division.objects.count() == before
    assert Division.objects.get(code="441900003001").name == "东城新社区"


@pytest.mark.django_db
def test_reimport_with_a_new_year_updates_source_and_year(tmp_path: Path) -> None:
    path = write(tmp_path, GUANGDONG)
    run(path)
    out = run(path, "--source", "civil affairs", "--year", "2024")
    assert out.splitlines()[0] == "8 rows: 0 created, 8 updated, 0 abolished."
    assert set(Division.objects.filter(code__startswith="44").values_list("source", "year")) == {
        ("civil affairs", 2024)
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["divisions.csv.gz", "divisions-compressed.csv"])
def test_gzip_input_is_recognised_by_its_content(tmp_path: Path, name: str) -> None:
    plain = write(tmp_path, GUANGDONG)
    compressed = tmp_path / name
    compressed.write_bytes(gzip.compress(plain.read_bytes()))
    out = run(compressed)
    assert out.splitlines()[0] == "8 rows: 8 created, 0 updated, 0 abolished."
    assert Division.objects.get(code="441900003001").name == "东城社区"


@pytest.mark.django_db
def test_byte_order_mark_and_blank_lines_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    text = "\n".join([HEADER, *GUANGDONG[:4], "", *GUANGDONG[4:]]) + "\n\n"
    path.write_text(text, encoding="utf-8-sig")
    assert run(path).splitlines()[0] == "8 rows: 8 created, 0 updated, 0 abolished."


@pytest.mark.django_db
def test_parent_known_from_the_database(tmp_path: Path) -> None:
    # 岳阳楼街道 (430602001000) is in the database (the test world), not in the file.
    out = run(write(tmp_path, ["430602001099,新建社区,5,430602001000"]))
    assert out.splitlines()[0] == "1 rows: 1 created, 0 updated, 0 abolished."
    assert Division.objects.get(code="430602001099").parent_id == "430602001000"


BAD_ROWS = {
    "malformed code": (
        "44190000301,坏码社区,5,441900003000",
        "line 10: Malformed code '44190000301': it must be 12 digits.",
    ),
    "full-width digits": (
        "４４１９００００３００２,全角社区,5,441900003000",
        "line 10: Malformed code '４４１９００００３００２': it must be 12 digits.",
    ),
    "level out of range": (
        "441900003002,东城二社区,6,441900003000",
        "line 10: Level must be 1 to 5, found '6'.",
    ),
    "digits beyond level": (
        "441900003002,东城二社区,4,441900000000",
        "line 10: Code 441900003002 has digits beyond its level 4.",
    ),
    "no digits of its own": (
        "440104000000,无名街道,4,440100000000",
        "line 10: Code 440104000000 has no digits of its own at level 4.",
    ),
    "empty name": ("441900003002, ,5,441900003000", "line 10: The name is empty."),
    "control character in name": (
        "441900003002,东城\x07社区,5,441900003000",
        "line 10: The name contains control characters.",
    ),
    "name too long": (
        f"441900003002,{'长' * 101},5,441900003000",
        "line 10: The name is longer than 100 characters.",
    ),
    "province with a parent": (
        "450000000000,广西壮族自治区,1,440000000000",
        "line 10: A province has no parent.",
    ),
    "malformed parent": (
        "441900003002,东城二社区,5,4419000030",
        "line 10: Malformed parent code '4419000030': it must be 12 digits.",
    ),
    "unknown parent": (
        "441900004001,新社区,5,441900004000",
        "line 10: Unknown parent code 441900004000: it is neither in the file nor imported.",
    ),
    "duplicate code": (
        "441900003001,东城社区二,5,441900003000",
        "line 10: Duplicate code 441900003001 (first on line 9).",
    ),
    "parent at the same level": (
        "441900003002,东城二社区,5,441900003001",
        "line 10: Parent 441900003001 (level 5) cannot hold 441900003002 (level 5).",
    ),
    "parent of another prefix": (
        "441900005000,南城街道,4,440100000000",
        "line 10: Parent 440100000000 (level 2) cannot hold 441900005000 (level 4).",
    ),
    "too few columns": ("441900003002,东城二社区,5", "line 10: Expected 4 columns, found 3."),
    "too many columns": (
        "441900003002,东城二社区,5,441900003000,x",
        "line 10: Expected 4 columns, found 5.",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("row,message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_row_is_reported_by_line_and_nothing_is_written(
    tmp_path: Path, row: str, message: str
) -> None:
    before = state()
    err, error = run_failing(write(tmp_path, [*GUANGDONG, row]))
    assert err.splitlines() == [message]
    assert error == "1 problem(s), 1 shown; nothing was imported."
    assert state() == before
    assert not Division.objects.filter(code__startswith="44").exists()


@pytest.mark.django_db
def test_wrong_header_is_reported_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "no-header.csv"
    path.write_text("\n".join(GUANGDONG) + "\n", encoding="utf-8")
    before = state()
    err, _error = run_failing(path)
    assert err.splitlines() == [
        "line 1: The first line must be the header: code,name,level,parent_code"
    ]
    assert state() == before


@pytest.mark.django_db
def test_bytes_that_are_not_utf8_are_reported_on_their_line(tmp_path: Path) -> None:
    lines = [HEADER, *GUANGDONG[:2], "440104000000,西关区,3,440100000000", *GUANGDONG[2:]]
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    data = data.replace("西关区".encode(), "西关区".encode("gbk"))
    path = tmp_path / "gbk.csv"
    path.write_bytes(data)
    before = state()
    err, _error = run_failing(path)
    assert err.splitlines() == ["line 4: The line is not UTF-8 text."]
    assert state() == before


@pytest.mark.django_db
def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    lines = [
        *GUANGDONG[:3],
        "441900003002,东城二社区,5,441900009000",  # line 5: unknown parent
        "bad,坏,5,441900003000",  # line 6
        *GUANGDONG[3:],
        "440000000000,广东省,1,",  # line 12: duplicate
    ]
    before = state()
    err, error = run_failing(write(tmp_path, lines))
    assert err.splitlines() == [
        "line 5: Unknown parent code 441900009000: it is neither in the file nor imported.",
        "line 6: Malformed code 'bad': it must be 12 digits.",
        "line 12: Duplicate code 440000000000 (first on line 2).",
    ]
    assert error == "3 problem(s), 3 shown; nothing was imported."
    assert state() == before


@pytest.mark.django_db
def test_at_most_200_problems_are_listed(tmp_path: Path) -> None:
    err, error = run_failing(write(tmp_path, [f"bad{n},坏,5," for n in range(250)]))
    assert len(err.splitlines()) == 200
    assert error == "250 problem(s), 200 shown; nothing was imported."


@pytest.mark.django_db
def test_unreadable_gzip_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(gzip.compress(write(tmp_path, GUANGDONG).read_bytes())[:-30])
    before = state()
    err, error = run_failing(path)
    assert err.startswith("The file is not a readable gzip file (")
    assert error == "1 problem(s), 1 shown; nothing was imported."
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args,message",
    [
        (["--year", "1900"], "The year must be from 1980 to 2100."),
        (["--source", " "], "The source must be 1 to 100 characters."),
        (["--abolish-missing-under", "4419"], "Malformed code '4419': it must be 12 digits."),
        (
            ["--abolish-missing-under", "450000000000"],
            "450000000000 is not in the file, so nothing under it can be abolished.",
        ),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    before = state()
    err, _error = run_failing(write(tmp_path, GUANGDONG), *args)
    assert err.splitlines() == [message]
    assert state() == before


@pytest.mark.django_db
def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^No such file: .*absent\.csv$"):
        call_command("import_divisions", str(tmp_path / "absent.csv"))


# In the test world, 岳阳楼区 (430602) has 3 townships and 6 villages; 云溪区 (430603) has 1 + 2.
YUELOU_KEPT = [
    "430602000000,岳阳楼区,3,430600000000",
    "430602001000,岳阳楼街道,4,430602000000",
    "430602001001,郭亮社区,5,430602001000",
]


@pytest.mark.django_db
def test_abolish_missing_under_marks_exactly_the_missing_codes(tmp_path: Path) -> None:
    before = Division.objects.count()
    out = run(write(tmp_path, YUELOU_KEPT), "--abolish-missing-under", "430602000000")
    assert out.splitlines()[0] == "3 rows: 0 created, 0 updated, 7 abolished."
    assert list(Division.objects.filter(abolished=True).values_list("code", flat=True)) == [
        "430602001002",
        "430602002000",
        "430602002001",
        "430602002002",
        "430602402000",
        "430602402001",
        "430602402002",
    ]
    assert Division.objects.count() == before  # never deleted
    abolished = AuditEntry.objects.filter(action="division.abolished")
    assert sorted(abolished.values_list("object_id", flat=True)) == [
        "430602001002",
        "430602002000",
        "430602002001",
        "430602002002",
        "430602402000",
        "430602402001",
        "430602402002",
    ]
    assert abolished.get(object_id="430602002000").object_repr == "三眼桥街道 (430602002000)"


@pytest.mark.django_db
def test_without_the_option_nothing_is_abolished(tmp_path: Path) -> None:
    out = run(write(tmp_path, YUELOU_KEPT))
    assert out.splitlines()[0] == "3 rows: 0 created, 0 updated, 0 abolished."
    assert not Division.objects.filter(abolished=True).exists()


@pytest.mark.django_db
def test_abolished_code_listed_again_is_restored(tmp_path: Path) -> None:
    run(write(tmp_path, YUELOU_KEPT), "--abolish-missing-under", "430602000000")
    again = [*YUELOU_KEPT, "430602002000,三眼桥街道,4,430602000000"]
    out = run(write(tmp_path, again, "again.csv"))
    assert out.splitlines()[0] == "4 rows: 0 created, 1 updated, 0 abolished."
    assert Division.objects.get(code="430602002000").abolished is False


@pytest.mark.django_db
def test_import_is_recorded_and_audited(tmp_path: Path, city_admin: User) -> None:
    path = write(tmp_path, GUANGDONG)
    before = DivisionImport.objects.count()
    record = import_divisions(path, source="stats 2023", year=2023, actor=city_admin)
    assert DivisionImport.objects.count() == before + 1
    stored = DivisionImport.objects.get(pk=record.pk)
    assert (
        stored.file_name,
        stored.sha256,
        stored.source,
        stored.year,
        stored.row_count,
        stored.created_count,
        stored.updated_count,
        stored.abolished_count,
        stored.per_level,
        stored.actor,
    ) == (
        "divisions.csv",
        hashlib.sha256(path.read_bytes()).hexdigest(),
        "stats 2023",
        2023,
        8,
        8,
        0,
        0,
        {"1": 1, "2": 2, "3": 1, "4": 2, "5": 2},
        city_admin,
    )
    entry = AuditEntry.objects.get(action="division.imported", object_id=str(record.pk))
    assert (entry.actor, entry.object_type, entry.object_id) == (
        city_admin,
        "divisions.divisionimport",
        str(record.pk),
    )
    assert entry.data == {
        "file": "divisions.csv",
        "sha256": stored.sha256,
        "source": "stats 2023",
        "year": 2023,
        "rows": 8,
        "created": 8,
        "updated": 0,
        "abolished": 0,
        "abolish_missing_under": None,
    }


@pytest.mark.django_db
def test_service_raises_with_every_problem(tmp_path: Path) -> None:
    with pytest.raises(DivisionImportError) as failure:
        import_divisions(write(tmp_path, [*GUANGDONG, "x,y,9,"]))
    assert [(p.line, p.message) for p in failure.value.problems] == [
        (10, "Malformed code 'x': it must be 12 digits.")
    ]


@pytest.mark.slow  # the real city's 2,049 divisions and their organisations: seconds
def test_real_yueyang_file_then_one_station_per_village(empty_db_tx: None) -> None:
    out = run(REAL_YUEYANG)
    assert out.splitlines()[-5:] == [
        "  1 Province: 1",
        "  2 Prefecture-level city: 1",
        "  3 County level: 10",
        "  4 Township level: 138",
        "  5 Village level: 1,899",
    ]
    build_structure(Division.objects.get(code="430600000000"), actor=None)
    villages = set(Division.objects.filter(level=5).values_list("code", flat=True))
    assert len(villages) == 1899
    stations = Organization.objects.filter(kind=OrgKind.SERVICE_STATION)
    assert stations.count() == 1899
    served = Counter(stations.values_list("jurisdiction__code", flat=True))
    assert set(served) == villages
    assert set(served.values()) == {1}
