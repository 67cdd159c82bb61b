"""The OpenAPI document is the contract, checked by schemathesis from both sides.

Requests generated from the served document, positive (valid by the schema) and negative
(each breaking it somewhere), sent with a coordinator's token and with a producer's:

- no answer is a 5xx, and every answer matches its documented status, content type and
  schema;
- no schema-valid request is refused as malformed: 400 is only for requests that break the
  document. Allowed for a valid one: 2xx, 401/403 (the caller's roles), 404 (a stream that
  does not exist), 409 (the ledger's state) and 422 (the ledger refuses the values on their
  merits, with the refusal's code, e.g. ``best_before_before_harvest``).

Bounded (``EXAMPLES_PER_OPERATION`` per operation and mode) so that both runs take well
under a minute. The live feed is left out: it is a stream that stays open (test_live.py).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from infra.api import create_app
from infra.store import sqlite_location
from tests.e2e.api.conftest import build_world

EXAMPLES_PER_OPERATION = 15
"""Three examples per operation and mode, about sixty operations, two modes, two callers:
about seven hundred requests, some forty seconds here."""
ACCEPTED_FOR_VALID_REQUESTS = ["2xx", "401", "403", "404", "409", "422"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, positive_data_acceptance]
CONFIG = SchemathesisConfig.from_dict({
    "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED_FOR_VALID_REQUESTS}},
})
_keys = itertools.count(1)


def fresh_key(prefix: str) -> str:
    """An idempotency key never used in this run (a client's fresh command id)."""
    return f"{prefix}-{next(_keys)}"


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], prefix: str) -> None:
    """Run the bounded examples of one operation in one mode."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        extra = dict(headers)
        if operation.method.upper() == "POST" and operation.path.startswith("/api/commands/"):
            # A client following the contract sends each command under a fresh id; a body
            # that repeats the id as command_id repeats the same one.
            key = fresh_key(prefix)
            extra["Idempotency-Key"] = key
            if isinstance(case.body, dict) and isinstance(case.body.get("command_id"), str):
                case.body["command_id"] = key
        case.call_and_validate(headers=extra, checks=CHECKS)

    check()


@pytest.mark.slow
@pytest.mark.parametrize("who", ["coordinator", "producer"])
def test_generated_requests_get_no_5xx_no_off_schema_answer_and_no_valid_request_refused(
        who: str, tmp_path: Path) -> None:
    """Positive and negative requests from the document, as a coordinator or a producer."""
    location = sqlite_location(tmp_path / "ledger.db")
    app = create_app(location)
    world = build_world(app, location)
    schema = schemathesis.openapi.from_asgi("/api/schema/openapi.json", app,
                                            config=CONFIG).exclude(path="/api/live")
    headers = {"Authorization": f"Bearer {world.tokens[who]}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, headers, f"fuzz-{who}-{operations}-{mode.value}")
            except (Exception, BaseExceptionGroup) as error:  # Collect every failure.
                failures.append(f"{mode.value} {operation.method.upper()} {operation.path}: "
                                f"{error}"[:2000])
    assert operations > 50
    assert failures == [], "\n\n".join(failures)
