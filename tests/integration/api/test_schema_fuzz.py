"""Schemathesis over ``/openapi.json``: generated requests, valid and invalid, to every
operation of the API over the samples; no answer is a 5xx, and every answer matches the
schema the API publishes for its status.

Schemathesis drives the app in-process (ASGI).  Its pytest integration is not used (its lazy
fixture loader does not run under pytest 9): each operation's cases are drawn from its
Hypothesis strategy in a test of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import Engine

from grocer.api.app import create_app

EXAMPLES = 30  # cases per operation and mode
CHECKS = [not_a_server_error, response_schema_conformance]
NOT_FUZZED = {"/v1/export/prices"}  # a full export per case; tested in test_export.py


@pytest.fixture(scope="module")
def schema(samples_template_engine: Engine) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(samples_template_engine, environ={})
    )


@pytest.fixture(scope="module")
def samples_template_engine(samples_template: object) -> Iterator[Engine]:
    """A read-only engine on the session's samples database: requests cannot change it."""
    from grocer.db.engine import make_read_only_engine

    engine = make_read_only_engine(f"sqlite:///{samples_template}")
    yield engine
    engine.dispose()


def test_every_operation_answers_within_its_schema(schema: schemathesis.schemas.BaseSchema) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzed = [op for op in operations if op.path not in NOT_FUZZED]
    assert {op.path for op in fuzzed} >= {
        "/v1/products", "/v1/products/{product_id}", "/v1/products/{product_id}/prices",
        "/v1/products/by-barcode/{gtin}", "/v1/stores", "/v1/stores/{store_id}",
        "/v1/compare", "/v1/specials", "/v1/bargains", "/v1/status",
    }  # fmt: skip
    failures: list[str] = []
    for operation in fuzzed:
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=2 * EXAMPLES, deadline=None, database=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        @given(case=strategy)
        def answers(case: schemathesis.Case) -> None:
            case.validate_response(case.call(), checks=CHECKS)

        try:
            answers()
        except AssertionError as failure:  # schemathesis raises a subclass, naming the case
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
