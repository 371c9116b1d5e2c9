"""Test data as plain functions (no factory library)."""

from __future__ import annotations

import itertools

from isg.accounts.models import User
from isg.agencies.models import Agency

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


def make_agency(**kwargs) -> Agency:
    n = next(_counter)
    kwargs.setdefault("name", f"Agency {n}")
    kwargs.setdefault("slug", f"agency-{n}")
    return Agency.objects.create(**kwargs)


def make_user(**kwargs) -> User:
    n = next(_counter)
    kwargs.setdefault("username", f"user{n}")
    kwargs.setdefault("role", User.Role.PRACTITIONER)
    if "agency" not in kwargs:
        kwargs["agency"] = make_agency()
    password = kwargs.pop("password", PASSWORD)
    user = User(**kwargs)
    user.set_password(password)
    user.save()
    return user


def make_manager(**kwargs) -> User:
    """A line manager (of `reports`, if given: each report's `line_manager` is set to them)."""
    reports = kwargs.pop("reports", [])
    kwargs.setdefault("role", User.Role.LINE_MANAGER)
    manager = make_user(**kwargs)
    for report in reports:
        report.line_manager = manager
        report.save(update_fields=["line_manager"])
    return manager


def make_decision(owner: User, outcome: str = "outcome_share_with_consent", *, submit: bool = False,
                  case_reference: str = "CASE-001", text: str | None = None, upto: int | None = None):
    """A decision walked through the services (no client) towards `outcome` (a tests/engine/walks.py
    WALKS key), stopping after `upto` answers if given; submitted when `submit`. `text`, if given, is written into the summary and every
    rationale: a canary a page must never show to someone who may not see this decision."""
    from isg.decisions import services
    from isg.flowchart.services import current_flowchart
    from tests.decisions.helpers import FIELD_VALUES
    from tests.engine.walks import WALKS

    flowchart = current_flowchart()
    pairs = [pair.split(":") for pair in WALKS[outcome]][:upto]

    def step(node_id: str, answer: str):
        fields = {f.id: FIELD_VALUES[f.id] for f in flowchart.node(node_id).fields if f.id in FIELD_VALUES}
        if text is not None and "summary" in fields:
            fields["summary"] = text
        return services.stored_step(node=node_id, answer=answer, rationale=text or "Because the facts support it",
                                    fields=fields)

    node_id, answer = pairs[0]
    decision = services.decision_start(owner=owner, case_reference=case_reference, step=step(node_id, answer))
    for node_id, answer in pairs[1:]:
        decision.refresh_from_db()
        services.decision_answer(decision=decision, actor=owner, index=len(decision.path),
                                 step=step(node_id, answer), revision=decision.revision)
    decision.refresh_from_db()
    if submit:
        services.decision_submit(decision=decision, actor=owner, revision=decision.revision)
        decision.refresh_from_db()
    return decision
