"""Drive the practitioner's walk through the test client, as a browser without JavaScript would."""

from __future__ import annotations

import re
import uuid

from isg.decisions.models import Decision
from isg.flowchart.services import current_flowchart

FIELD_VALUES = {
    "summary": "Concern about a child aged 7 seen with bruising",
    "purpose_statement": "To protect the child from harm",
    "duty_basis": "court_order", "duty_provision": "Family court order of 1 March",
    "advisor_name": "Sam Lead", "advisor_role": "Designated safeguarding lead", "advice": "Share with social care",
    "manager_name": "Margaret Hughes", "manager_role": "Team manager",
    "information_shared": "Dates and description of the bruising", "information_withheld": "Nothing withheld",
    "accuracy_confirmed": "yes",
    "recipient_name": "Duty social worker", "recipient_role": "Social worker", "recipient_agency": "Children's social care",
    "method_description": "Hand delivered", "not_informing_reason": "increases_risk",
    "inform_who": "I will tell her mother by phone", "inform_by": "1 1 2099", "reconsider_date": "1 1 2099",
    "verified_how": "Called back through the police switchboard", "child_age": "7", "young_person_age": "16",
    "not_confidential_detail": "Published in the local paper", "request_accuracy_confirmed": "yes",
    "fgm_discovered": "yes",
}


def answer_data(node_id: str, answer: str, **overrides) -> dict:
    node = current_flowchart().node(node_id)
    data = {"answer": answer, "rationale": "Because the facts support it"}
    data.update({f.id: FIELD_VALUES[f.id] for f in node.fields if f.id in FIELD_VALUES})
    data.update(overrides)
    return data


def start_data(answer: str = "want_to_share", *, case_reference: str = "CASE-001", **overrides) -> dict:
    """The first page as posted: a case reference, the answer to `start` and the form's one-time token."""
    return {"case_reference": case_reference, "start_token": str(uuid.uuid4()), **answer_data("start", answer), **overrides}


def start_decision(client, answer: str = "want_to_share", *, case_reference: str = "CASE-001", **overrides) -> Decision:
    response = client.post("/decisions/new/", start_data(answer, case_reference=case_reference, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Decision.objects.latest("id")


def answer_current(client, decision: Decision, answer: str, **overrides):
    decision.refresh_from_db()
    url = f"/decisions/{decision.public_id}/steps/{len(decision.path)}/{decision.current_node}/"
    return client.post(url, answer_data(decision.current_node, answer, **{"revision": decision.revision, **overrides}))


def walk(client, pairs, *, start: str = "want_to_share") -> Decision:
    """Start a decision and answer each `node:answer` in turn, checking the page asked that node."""
    decision = start_decision(client, start)
    for pair in pairs:
        node, answer = pair.split(":")
        decision.refresh_from_db()
        if node == "*":
            response = client.post(f"/decisions/{decision.public_id}/urgent/press/", {"revision": decision.revision})
        else:
            assert decision.current_node == node, (decision.current_node, pair)
            response = answer_current(client, decision, answer)
        assert response.status_code == 302, errors(response)
    decision.refresh_from_db()
    return decision


def errors(response) -> list[str]:
    return re.findall(r'class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> (.*?)</p>', response.content.decode())
