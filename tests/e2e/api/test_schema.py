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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from litestar.testing import TestClient
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


def _refs(value: Any) -> Iterator[str]:
    """Component names a schema fragment refers to."""
    if isinstance(value, dict):
        if "$ref" in value:
            yield value["$ref"].rsplit("/", 1)[1]
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _bounded(schema: dict[str, Any]) -> list[str]:
    """What a property's schema leaves unbounded (integers, strings, arrays)."""
    kinds = {schema.get("type")} | {member.get("type") for member in schema.get("oneOf", [])}
    missing = []
    if "integer" in kinds and not {"minimum", "maximum"} <= set(schema):
        missing.append("an integer without minimum and maximum")
    if "array" in kinds and "maxItems" not in schema:
        missing.append("an array without maxItems")
    for array in [schema, *schema.get("oneOf", [])]:
        items = array.get("items", {})
        if array.get("type") == "array" and "$ref" not in items:
            missing.extend(f"its items: {gap}" for gap in _bounded(items))
    texts = [member for member in [schema, *schema.get("oneOf", [])]
             if member.get("type") == "string"]
    if texts and not any(key in member for member in [schema, *texts]
                         for key in ("maxLength", "format", "enum", "const", "pattern")):
        missing.append("a string without maxLength, format or pattern")
    return missing


def test_every_body_field_and_parameter_is_described_exemplified_and_bounded(
        tmp_path: Path) -> None:
    """The document states each field's description, an example and its bounds, and each
    object refuses unknown fields: a client generated from it needs nothing else."""
    app = create_app(sqlite_location(tmp_path / "ledger.db"), follow_views=False)
    with TestClient(app) as client:
        document = client.get("/api/schema/openapi.json").json()
    components = document["components"]["schemas"]
    gaps: list[str] = []
    pending: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                where = f"{method.upper()} {path} {parameter['name']}"
                if not (parameter.get("description") or schema.get("description")):
                    gaps.append(f"{where}: no description")
                if not (parameter.get("examples") or schema.get("examples")
                        or schema.get("enum")):
                    gaps.append(f"{where}: no example")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                pending.extend(_refs(media["schema"]))
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        schema = components[name]
        pending.extend(_refs(schema.get("oneOf", [])))
        if schema.get("type") != "object":
            continue
        if schema.get("additionalProperties") is not False:
            gaps.append(f"{name}: accepts unknown fields")
        for field, field_schema in schema.get("properties", {}).items():
            if "const" in field_schema:
                continue  # A tagged union's tag.
            if not field_schema.get("description"):
                gaps.append(f"{name}.{field}: no description")
            if not field_schema.get("examples"):
                gaps.append(f"{name}.{field}: no example")
            gaps.extend(f"{name}.{field}: {missing}" for missing in _bounded(field_schema))
            pending.extend(reference for reference in _refs(field_schema)
                           if components[reference].get("type") == "object"
                           or "oneOf" in components[reference])
    assert len(seen) > 60
    assert gaps == []
