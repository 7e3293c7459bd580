"""Each work-plan operation, called as a user would, answers a success that conforms to the
OpenAPI schema (the whole API's check is tests/api/test_schemathesis.py; this one runs alone)."""

import pytest

from tests.api.test_schemathesis import OPERATIONS, Caller
from tests.workplan.api_calls import call_workplan_operations, workplan_known_ids

pytestmark = pytest.mark.django_db


def test_every_workplan_operation_answers_as_documented() -> None:
    workplan_known_ids()
    call = Caller()
    call_workplan_operations(call)
    ours = {(method, path) for method, path in OPERATIONS if "/workplan" in path}
    assert len(ours) == 13
    assert call.succeeded == ours
