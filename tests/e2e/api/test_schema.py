"""Schemathesis over the served OpenAPI document, with valid tokens: no answer is a 5xx, and
every answer matches its documented status, content type and schema.

Bounded (``EXAMPLES_PER_OPERATION`` per operation, a few hundred requests in all) so it runs
in well under two minutes. The live feed is left out: it is a stream that stays open (see
test_live.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra.api import create_app
from infra.store import sqlite_location
from tests.e2e.api.conftest import build_world

EXAMPLES_PER_OPERATION = 5
"""Five examples for each of about sixty operations: about three hundred requests."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def fuzz(operation: Any, headers: dict[str, str], key_prefix: str) -> None:
    """Run the bounded examples of one operation."""
    keys = iter(range(10_000))

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate(
            headers={**headers, "Idempotency-Key": f"{key_prefix}-{next(keys)}"},
            checks=CHECKS)

    check()


@pytest.mark.slow
def test_no_server_error_and_no_schema_violation(tmp_path: Path) -> None:
    """Generated requests with a valid token never get a 5xx or an undocumented answer."""
    location = sqlite_location(tmp_path / "ledger.db")
    app = create_app(location)
    world = build_world(app, location)
    schema = schemathesis.openapi.from_asgi("/api/schema/openapi.json", app).exclude(
        path="/api/live")
    failures: list[str] = []
    operations = 0
    for counter, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        operations += 1
        # Reads as the auditor (sees everything), commands as the coordinator (most of them).
        who = "coordinator" if operation.method.upper() != "GET" else "auditor"
        headers = {"Authorization": f"Bearer {world.tokens[who]}"}

        try:
            fuzz(operation, headers, f"fuzz-{counter}")
        except (Exception, BaseExceptionGroup) as error:  # Collect every failure.
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:2000])
    assert operations > 50
    assert failures == [], "\n\n".join(failures)
