"""The kinds of statistics table, in one registry: what a reporting round asks for, what a
submission freezes, and what the dashboard links to.

A kind names its key (how rounds, the API and the command name it: "attachment3"), the plan's
attachment number, its title in the active language, its builder (the subtree's organisation,
the reference date, the preparer → a `tables.StatisticsTable`) and its page. Each table's module
stays the only place that knows how it is built; adding a table is one line in `KINDS`.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from zhiyuan.reports import attachment3, attachment5, attachment6, attachment7, panels
from zhiyuan.reports.tables import StatisticsTable


@dataclass(frozen=True)
class TableKind:
    """A statistics table of the plan: `key` ("attachment3"), `number` (附件 3), `title()` in
    the active language, `build(root, day, preparer=…)` raising ValidationError for a future
    date, and the URL name of its page (which takes `org` and `date` in its query)."""

    key: str
    number: int
    title: Callable[[], str]
    build: Callable[..., StatisticsTable]
    url_name: str

    @property
    def label(self) -> str:
        """附件3 注册登记任务分配表 (in the active language)."""
        return _("Attachment %(n)s %(title)s") % {"n": self.number, "title": self.title()}


def with_notes(build: Callable[..., StatisticsTable]) -> Callable[..., StatisticsTable]:
    """`build`, whose table also carries the notes the apps above registered
    (`panels.register_table_note`: e.g. the spot checks' verification rates)."""

    def built(root: Any, day: date, **options: Any) -> StatisticsTable:
        table = build(root, day, **options)
        extra = panels.table_notes(root, day)
        return replace(table, notes=table.notes + extra) if extra else table

    return built


#: Every kind, in the plan's order. Each has its page and files at /reports/<key>/ (`urls.py`).
KINDS: tuple[TableKind, ...] = tuple(
    TableKind(
        f"attachment{module.NUMBER}",
        module.NUMBER,
        module.title,
        with_notes(module.build),
        f"reports:attachment{module.NUMBER}",
    )
    for module in (attachment3, attachment5, attachment6, attachment7)
)


def table_kinds() -> list[TableKind]:
    return sorted(KINDS, key=lambda kind: kind.number)


def kind_keys() -> list[str]:
    return [kind.key for kind in table_kinds()]


def get_kind(key: str) -> TableKind | None:
    """The kind named `key`, or None (a round may name a kind this build no longer has)."""
    return next((kind for kind in KINDS if kind.key == key), None)
