"""Synthetic registration rosters for the benchmarks, valid and unique by construction.

`roster_rows(n)` gives n people as offices write them (18 columns, `HEADER`); `write_roster`
writes rows as an xlsx the way the template is filled in (a title row, an empty row, the
header; ID numbers, phones and codes as text, dates of birth as date cells). Both need Django
set up (the choice words come from the roster reader itself).

By construction, so that a benchmark measures imports, not refusals:

- resident ID numbers are unique: the n-th person gets the n-th (area, date of birth,
  sequence) triple, sequences 001–999 per area and date (odd for men, GB 11643-1999), and the
  check character of `zhiyuan.common.identity` (`zhiyuan.demo.synthetic.indexed_resident_id`,
  which `zhiyuan generate_population` shares); births 1950-01-01 to 2004-10-04, adults on
  any day after 2022; names from its common-surname list (`synthetic.person_name`);
- mobiles and emergency contacts' phones are unique and synthetic: the n-th person's are the
  n-th of `zhiyuan.demo.synthetic.synthetic_mobile`'s blocks of the 199 range (the mobiles'
  blocks and the contacts' one never meet), the blocks every generated person of the project uses;
- choices are only words the roster reader takes (`imports.cells.RowReader`): 男 and 女,
  居民身份证, and the Chinese labels the template's drop-downs offer (汉族, 群众, 大学本科,
  应急救护 …), each tried on the reader before it is used.

`tests/benchmarks/test_rosters.py` generates 20,000 rows and checks both promises.
"""

import random
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

HEADER = [
    "姓名",
    "性别",
    "证件类型",
    "身份证号",
    "出生日期",
    "民族",
    "政治面貌",
    "学历",
    "职业",
    "工作单位或学校",
    "手机号",
    "电子邮箱",
    "详细地址",
    "技能特长",
    "服务意向",
    "服务时间",
    "紧急联系人",
    "紧急联系人电话",
]
BIRTH_COLUMN = HEADER.index("出生日期")
AREAS = ("430602", "430603", "430611", "430621", "430623", "430626", "430681", "430682")
OCCUPATIONS = ("教师", "医生", "工人", "学生", "公务员", "个体经营", "退休", "工程师", "会计")
UNITS = ("岳阳市第一中学", "岳阳楼区人民医院", "湖南理工学院", "巴陵石化", "岳阳楼街道办事处")
STREETS = ("洞庭南路", "巴陵中路", "岳阳大道", "金鹗东路", "建湘路", "南湖大道")

FIRST_BIRTH = date(1950, 1, 1)
BIRTH_DAYS = 20_000  # births 1950-01-01 .. 2004-10-04
SEQUENCES = 999  # 001 .. 999 per area and date of birth
MAX_ROWS = len(AREAS) * BIRTH_DAYS * SEQUENCES
# Rows are written as they come, not held (a 100,000-row roster).
MEMORY = {"constant_memory": True}


def resident_id(index: int) -> str:
    """The `index`-th resident ID number (0-based): distinct for every index below MAX_ROWS."""
    from zhiyuan.demo.synthetic import indexed_resident_id

    return indexed_resident_id(index, areas=AREAS, first_birth=FIRST_BIRTH, days=BIRTH_DAYS)


def accepted_choices() -> dict[str, list[str]]:
    """By choice column: the Chinese labels (what the template's drop-downs offer and offices
    write) that the roster reader takes, each tried on it."""
    from django.utils import translation

    from zhiyuan.volunteers.enums import (
        ActivityCategory,
        AvailableTime,
        Education,
        Ethnicity,
        PoliticalStatus,
        Skill,
    )
    from zhiyuan.volunteers.imports.cells import RowReader

    enums = {
        "ethnicity": Ethnicity,
        "political_status": PoliticalStatus,
        "education": Education,
        "skills": Skill,
        "service_intentions": ActivityCategory,
        "available_times": AvailableTime,
    }
    reader = RowReader(dict(enumerate(enums)))
    accepted: dict[str, list[str]] = {}
    for position, (name, enum) in enumerate(enums.items()):
        with translation.override("zh-hans"):
            labels = [str(label) for _value, label in enum.choices]
        accepted[name] = []
        for label in labels:
            cells: list[object] = [None] * len(enums)
            cells[position] = label
            _data, problems = reader.read(cells)
            if not problems:
                accepted[name].append(label)
    return accepted


def roster_rows(rows: int, *, seed: int = 4) -> Iterator[list[Any]]:
    """`rows` people as rows of HEADER's columns (the date of birth a `date`, empty cells
    ""), the same for the same `seed`."""
    from zhiyuan.demo.synthetic import CONTACT_BLOCK, person_name, synthetic_mobile

    choices = accepted_choices()
    ethnicities = choices["ethnicity"][:10]
    chooser = random.Random(seed)

    def some(name: str, low: int, high: int) -> str:
        return "、".join(chooser.sample(choices[name], chooser.randint(low, high)))

    for index in range(rows):
        number = resident_id(index)
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        name = person_name(chooser)
        yield [
            name,
            "男" if int(number[16]) % 2 else "女",
            "居民身份证",
            number,
            birth,
            ethnicities[0] if index % 10 else chooser.choice(ethnicities),
            chooser.choice(choices["political_status"]),
            chooser.choice(choices["education"]),
            chooser.choice(OCCUPATIONS),
            chooser.choice(UNITS),
            synthetic_mobile(index),
            f"v{index}@example.com" if index % 3 == 0 else "",
            f"{chooser.choice(STREETS)}{chooser.randint(1, 999)}号",
            some("skills", 0, 3),
            some("service_intentions", 1, 3),
            some("available_times", 1, 2),
            person_name(chooser),
            synthetic_mobile(index, (CONTACT_BLOCK,)),
        ]


def write_roster(target: Path | IO[bytes], rows: Iterable[list[Any]]) -> int:
    """Write `rows` (of `roster_rows`) as an xlsx roster to `target`, a path or a binary file:
    a title row, an empty row, HEADER, then the rows. Returns how many rows."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, MEMORY)
    sheet = book.add_worksheet("名册")
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "岳阳楼街道志愿者注册登记表（基准测试，合成数据）")
    sheet.write_row(2, 0, HEADER)
    written = 0
    for written, values in enumerate(rows, start=1):
        row = 2 + written
        for column, value in enumerate(values):
            if column == BIRTH_COLUMN:
                sheet.write_datetime(row, column, value, day)
            elif value:
                sheet.write_string(row, column, value, text)
    book.close()
    return written
