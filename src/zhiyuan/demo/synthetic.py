"""Synthetic people, valid and unique by construction, for the demo, the benchmarks and tests:
never a real person's data.

- Resident ID numbers (GB 11643): a 6-digit area code, the birth date, a 3-digit sequence (odd
  for men, even for women) and the check character of `zhiyuan.common.identity`. Unique because
  each (area, birth date, sex) hands out its sequences in turn (`IdentityNumbers`), or because
  the n-th number is the n-th (area, day, sequence) triple (`indexed_resident_id`, the
  benchmark rosters').
- Mobiles: a 4-digit block of the 199 range and seven digits that are a permutation of the
  person's index (`synthetic_mobile`): distinct for distinct indexes, and not in visible order.
- Names: a surname from the common-surname list, weighted by how common it is (王, 李, 张 …),
  and one or two given-name characters.

`benchmarks/rosters.py` (the roster benchmark's xlsx) and `demo/population.py` (`zhiyuan
generate_population`) both draw on this module.
"""

import random
from datetime import date, timedelta
from itertools import accumulate

from zhiyuan.common.identity import resident_id_check_character

#: The common surnames, most common first (about 85 % of the population bears one of them).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)
# A surname's weight falls with its rank (王 and 李 are each about 7 % of people, the hundredth
# about 0.2 %): close enough to the census's shape for tables and charts.
SURNAME_WEIGHTS = tuple(accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(SURNAMES))))
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宇浩凯晨欣怡梓涵子轩雨"
    "佳思嘉琪博睿俊丹婷雪梅海波亮林志慧颖欢"
)

#: Blocks of the 199 range for generated mobiles, seven digits each (10 million numbers a
#: block). The demo's hand-made people use 1990000xxxx; the blocks below never meet them.
MOBILE_BLOCKS = ("1998", "1997", "1996")
GUARDIAN_BLOCK = "1995"
CONTACT_BLOCK = "1994"
_BLOCK_SIZE = 10_000_000
_SPREAD = 7_654_321  # coprime with 10⁷: index → digits is a permutation of each block


def person_name(chooser: random.Random) -> str:
    """A surname (weighted by how common it is) and one or two given-name characters."""
    surname = chooser.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
    return surname + "".join(chooser.choices(GIVEN, k=1 if chooser.random() < 0.3 else 2))


def resident_id(area: str, birth: date, sequence: int) -> str:
    """The resident ID number of (`area`, `birth`, `sequence` 1–999) with its check character."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_character(first17)


def synthetic_mobile(index: int, blocks: tuple[str, ...] = MOBILE_BLOCKS) -> str:
    """The `index`-th generated mobile of `blocks`: distinct for every index below 10⁷ times
    the number of blocks. Raises ValueError beyond."""
    block, rest = divmod(index, _BLOCK_SIZE)
    if not 0 <= block < len(blocks):
        raise ValueError(f"at most {len(blocks) * _BLOCK_SIZE:,} generated mobiles")
    return f"{blocks[block]}{rest * _SPREAD % _BLOCK_SIZE:07d}"


class IdentityNumbers:
    """Hands out resident ID numbers that are unique among those it made: per (area, birth
    date) men get the odd sequences 001–999 in turn and women the even ones 002–998; when a
    day's run out, the next day's are used (the birth date moves by a day)."""

    MEN, WOMEN = 500, 499  # odd and even sequences in 001–999

    def __init__(self) -> None:
        self.issued: dict[tuple[str, date], list[int]] = {}

    def issue(self, area: str, birth: date, *, male: bool) -> str:
        limit = self.MEN if male else self.WOMEN
        while True:
            counters = self.issued.setdefault((area, birth), [0, 0])
            taken = counters[0 if male else 1]
            if taken < limit:
                counters[0 if male else 1] += 1
                return resident_id(area, birth, 2 * taken + (1 if male else 2))
            birth += timedelta(days=1)


def indexed_resident_id(index: int, *, areas: tuple[str, ...], first_birth: date, days: int) -> str:
    """The `index`-th resident ID number (0-based) of `areas`, births from `first_birth` over
    `days` days: the index-th (area, day, sequence) triple, sequences 001–999 per area and day.
    Distinct for every index below len(areas) × days × 999. Raises ValueError beyond."""
    if not 0 <= index < len(areas) * days * 999:
        raise ValueError(f"at most {len(areas) * days * 999:,} distinct ID numbers")
    day, rest = index % days, index // days
    sequence, area = rest % 999 + 1, rest // 999
    return resident_id(areas[area], first_birth + timedelta(days=day), sequence)
