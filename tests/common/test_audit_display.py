"""Audit entries read in the reader's language: every data key the code writes has a label, flags
read yes/no, choices read by their labels; nothing shows a raw key such as `revealed: False`."""

import ast
import warnings
from pathlib import Path

import pytest
from django.utils import translation

from zhiyuan.common import audit_display
from zhiyuan.common.audit_display import UnlabelledKey, describe_data
from zhiyuan.volunteers.services import POLICY_FIELDS

SOURCE = Path(audit_display.__file__).parents[1]
WRITERS = {"log_action", "log_action_per_row"}
KEYWORD_WRITERS = {"audit", "_audit_account"}


def _dict_keys(node: ast.AST | None) -> set[str]:
    if isinstance(node, ast.Dict):
        return {
            k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
    return set()


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def written_keys() -> dict[str, set[str]]:
    """Data keys written by the code, found in its source: literal `data=` of the audit
    service's calls, the keywords of the helpers that pass theirs on, the literal `data`
    dictionaries and updates of the modules that write entries, and `report_counts`."""
    found: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        keys: set[str] = set()
        writes = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if name in WRITERS:
                    writes = True
                    for keyword in node.keywords:
                        if keyword.arg == "data":
                            keys |= _dict_keys(keyword.value)
                elif name in KEYWORD_WRITERS:
                    writes = True
                    keys |= {k.arg for k in node.keywords if k.arg and k.arg != "actor"}
                elif name == "Change":
                    keys |= _dict_keys(node.args[3]) if len(node.args) > 3 else set()
                    for keyword in node.keywords:
                        if keyword.arg == "data":
                            keys |= _dict_keys(keyword.value)
                elif name == "update" and _name(getattr(node.func, "value", node)) == "data":
                    keys |= {k.arg for k in node.keywords if k.arg}
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if _name(target) == "data":
                        keys |= _dict_keys(node.value)
                    if isinstance(target, ast.Subscript) and _name(target.value) == "data":
                        key = target.slice
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            keys.add(key.value)
            elif isinstance(node, ast.FunctionDef) and node.name in {
                "report_counts",
                *KEYWORD_WRITERS,
            }:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return):
                        keys |= _dict_keys(inner.value)
        if keys and (writes or "report_counts" in path.read_text(encoding="utf-8")):
            found[str(path.relative_to(SOURCE))] = keys
    return found


def test_the_scan_finds_the_keys_of_known_writers() -> None:
    found = written_keys()
    assert {"revealed", "reason"} <= found["volunteers/documents.py"]
    assert {"channel", "body", "method", "number", "year", "fields", "field"} <= found[
        "volunteers/services/registration.py"
    ] | found["volunteers/services/lifecycle.py"]
    assert {"username", "role", "organization", "sms", "bulk", "via", "changed"} <= found[
        "accounts/services.py"
    ]
    assert {"rows", "valid", "invalid", "present"} <= found["volunteers/imports/check.py"]
    assert "import" in found["divisions/importer.py"]


@pytest.mark.django_db
def test_every_key_the_code_writes_has_a_label() -> None:
    audit_display._discover()
    written = set().union(*written_keys().values()) | set(POLICY_FIELDS)
    assert sorted(written - set(audit_display.KEY_LABELS)) == []


@pytest.mark.parametrize(
    ("data", "object_type", "english", "chinese"),
    [
        (
            {"revealed": False},
            "volunteers.volunteer",
            "full ID numbers and phones: no",
            None,
        ),
        (
            {"method": "in_person", "number": "430600326000001"},
            "volunteers.volunteer",
            "confirmation: In person, recorded by a registrar; registration number: 430600326000001",
            None,  # the words are the catalogue's; the separators too
        ),
        (
            {"fields": ["document_number", "mobile"], "count": 3, "reason": "核对"},
            "accounts.user",
            "fields: ID number、Mobile; registrations: 3; reason: 核对",
            None,
        ),
        (
            {"changed": {"name": ["旧名", "新名"]}},
            "organizations.organization",
            "changes: name: 旧名 → 新名",
            None,
        ),
        (
            {"username": "wang", "role": "registrar", "organization": "430602001-SC"},
            "accounts.role",
            "username: wang; role: Registrar; organisation: 430602001-SC",
            None,
        ),
        (
            {"download": "error_report", "reason": "registration_cancelled"},
            "volunteers.rosterimport",
            "downloaded: the error report; reason: the registration was cancelled",
            None,
        ),
        ({}, "volunteers.volunteer", "", ""),
    ],
)
@pytest.mark.django_db
def test_data_read_in_words(
    data: dict, object_type: str, english: str, chinese: str | None
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with translation.override("en"):
            assert describe_data(data, object_type) == english
        if chinese is not None:
            with translation.override("zh-hans"):
                assert describe_data(data, object_type) == chinese


@pytest.mark.django_db
def test_an_unlabelled_key_warns() -> None:
    with pytest.warns(UnlabelledKey, match="'mystery'"), translation.override("en"):
        assert describe_data({"mystery": True}) == "mystery: yes"
