"""Answering a question costs a fixed, small number of queries, however long the path is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .helpers import answer_data, walk

pytestmark = pytest.mark.django_db

LONG_PATH = [
    "emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes",
    "consent_from_whom:adult_18_plus", "confidential:not_sure", "seek_advice:resolved", "confidential:yes",
    "consent_safe_to_ask:no_safe", "consent_practicable:yes", "adult_capacity_doubt:yes", "mca_support:yes",
    "mca_functional:yes_cannot", "mca_causation:no", "consent_outcome:given", "consent_scope:no",
    "consent_outcome:given", "consent_scope:no", "consent_outcome:given", "consent_scope:no",
    "consent_outcome:given", "consent_scope:no", "consent_outcome:given", "consent_scope:no",
]


def step_queries(client, decision, node, answer) -> int:
    url = f"/decisions/{decision.public_id}/steps/{len(decision.path)}/{node}/"
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, answer_data(node, answer, revision=decision.revision))
        client.get(response["Location"])
    # The test's own wrapping transaction turns each atomic block into SAVEPOINT statements that
    # production (autocommit, one transaction per write) does not send; count the real queries.
    return sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for q in captured.captured_queries)


def test_a_walk_step_uses_at_most_eight_queries_at_any_path_length(signed_in):
    short = walk(signed_in, ["emergency_check:no", "purpose:yes"])
    assert len(short.path) == 3
    long = walk(signed_in, LONG_PATH)
    assert len(long.path) == 25
    at_3 = step_queries(signed_in, short, "statutory_duty", "no_or_power_only")
    at_25 = step_queries(signed_in, long, "consent_outcome", "given")
    # Plus the audit chain's own (isg/decisions/history.py): read its head and append; on
    # PostgreSQL also the advisory lock, taken before the event row and again by the append.
    chain = 4 if connection.vendor == "postgresql" else 2
    assert at_3 <= 8 + chain
    assert at_3 == at_25
