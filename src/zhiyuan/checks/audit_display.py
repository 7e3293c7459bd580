"""How the checks app's audit entries read (common.audit_display)."""

from typing import Any

from django.utils.translation import gettext_lazy

from zhiyuan.checks import selectors
from zhiyuan.checks.enums import (
    AttemptMethod,
    CaseKind,
    CaseSource,
    CheckedDetail,
    Decision,
    Outcome,
    Subject,
)
from zhiyuan.common.audit_display import Shown, data_keys, object_type


def _numeric(ids: list[str]) -> list[str]:
    return [i for i in ids if i.isdigit()]


def name_campaigns(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.campaigns(reader).filter(pk__in=_numeric(ids))
    return {str(c.pk): Shown(str(c)) for c in found}


def name_cases(reader: Any, ids: list[str]) -> dict[str, Shown]:
    found = selectors.cases(reader).filter(pk__in=_numeric(ids))
    return {str(c.pk): Shown(str(c)) for c in found}


object_type("checks.campaign", gettext_lazy("Spot check"), name_campaigns)
object_type("checks.checkitem", gettext_lazy("Sampled item"))
object_type("checks.case", gettext_lazy("Case"), name_cases)
object_type("checks.inpersonrequirement", gettext_lazy("In-person confirmation"))
data_keys(
    {
        "subject": gettext_lazy("what is checked"),
        "seed": gettext_lazy("seed"),
        "population": gettext_lazy("population"),
        "sampled": gettext_lazy("sampled"),
        "checker": gettext_lazy("checker"),
        "attempt": gettext_lazy("call or visit"),
        "reached": gettext_lazy("reached the person"),
        "outcome": gettext_lazy("outcome"),
        "wrong_fields": gettext_lazy("details wrong"),
        "case_kind": gettext_lazy("kind of case"),
        "case_source": gettext_lazy("case opened by"),
        "decision": gettext_lazy("decision"),
    },
    subject=Subject,
    attempt=AttemptMethod,
    outcome=Outcome,
    wrong_fields=CheckedDetail,
    case_kind=CaseKind,
    case_source=CaseSource,
    decision=Decision,
)
