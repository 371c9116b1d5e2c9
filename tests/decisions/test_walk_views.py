"""The practitioner's walk through the test client: one question a page, server-decided, saved as it goes."""

import re

import pytest

from isg.decisions.models import Decision, DecisionEvent
from isg.flowchart.services import current_flowchart
from tests.engine.walks import WALKS
from tests.factories import make_user

from .helpers import answer_current, answer_data, errors, start_data, start_decision, walk

pytestmark = pytest.mark.django_db


def pairs(outcome_id):
    return WALKS[outcome_id][1:]


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in ("/", "/decisions/", "/decisions/new/", "/case-studies/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_first_page_asks_for_a_case_reference_and_what_is_happening(signed_in):
    response = signed_in.get("/decisions/new/")
    page = response.content.decode()
    assert "Case reference" in page and "Do not enter names" in page
    assert 'name="answer" type="radio" value="want_to_request"' in page
    assert "Urgent: someone is in danger now" in page


def test_starting_records_the_first_answer_and_goes_to_the_next_question(signed_in, practitioner):
    decision = start_decision(signed_in)
    assert decision.owner == practitioner
    assert decision.current_node == "emergency_check"
    assert decision.path[0]["node"] == "start" and decision.path[0]["fields"]["summary"].startswith("Concern")
    assert decision.flowchart_version and len(decision.flowchart_id) == 64


def test_a_start_without_case_reference_or_answer_changes_nothing(signed_in):
    response = signed_in.post("/decisions/new/", {"summary": "x"})
    assert response.status_code == 200
    assert "Enter case reference" in errors(response)
    # The first page's error says what to choose, not only "Select an answer".
    choose = next(e for e in errors(response) if e.startswith("Select what is happening: "))
    assert all(f"“{a.label}”" in choose for a in current_flowchart().node("start").answers)
    assert "There is a problem" in response.content.decode()
    assert Decision.objects.count() == 0


def test_html_in_free_text_is_refused_with_a_clear_message(signed_in):
    response = signed_in.post("/decisions/new/", {
        "case_reference": "C1", **answer_data("start", "want_to_share", summary="<script>alert(1)</script>"),
    })
    assert response.status_code == 200
    assert any("write plain text only" in e for e in errors(response))
    assert Decision.objects.count() == 0


def test_oversized_text_is_refused_with_the_limit(signed_in):
    response = signed_in.post("/decisions/new/", {"case_reference": "C1", **answer_data("start", "want_to_share", summary="x" * 2001)})
    assert any("must be 2000 characters or fewer" in e for e in errors(response))
    assert Decision.objects.count() == 0


@pytest.mark.parametrize("outcome_id", ["outcome_do_not_share", "outcome_share_no_consent_needed", "outcome_share_with_consent", "outcome_share_without_consent"])
def test_a_walk_ends_at_check_answers_then_a_recorded_outcome(signed_in, outcome_id):
    decision = walk(signed_in, pairs(outcome_id), start=WALKS[outcome_id][0].split(":")[1])
    assert decision.current_node == "record"
    check = signed_in.get(f"/decisions/{decision.public_id}/check/")
    assert "Check your answers before recording this decision" in check.content.decode()
    response = signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    assert response.status_code == 302, errors(response)
    decision.refresh_from_db()
    assert decision.outcome == outcome_id
    page = signed_in.get(response["Location"]).content.decode()
    assert "What to do now" in page and "The lawful basis this usually rests on" in page
    assert ("Waiting for approval" in page) == decision.requires_approval


def test_share_without_consent_awaits_line_manager_approval(signed_in):
    decision = walk(signed_in, pairs("outcome_share_without_consent"))
    signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL
    assert decision.requires_approval
    assert decision.state["consent_status"] == "not_sought_unsafe"
    # Flowchart 1.2: serious harm to another organisation is approved before sharing, in the app.
    assert decision.approval_mode == "before_sharing" and "approval" not in decision.state


def test_a_required_rationale_is_asked_for_on_the_question_page(signed_in):
    decision = walk(signed_in, ["emergency_check:no"])
    response = answer_current(signed_in, decision, "no", rationale="")
    assert "Explain why you answered “No" in " ".join(errors(response))
    decision.refresh_from_db()
    assert decision.current_node == "purpose"


def test_an_answer_the_question_does_not_offer_is_refused(signed_in):
    decision = start_decision(signed_in)
    response = answer_current(signed_in, decision, "maybe")
    assert response.status_code == 200
    assert "Select one of the answers shown: that answer is not available here" in errors(response)
    decision.refresh_from_db()
    assert len(decision.path) == 1


def test_posting_to_a_question_that_is_not_next_changes_nothing(signed_in):
    decision = start_decision(signed_in)
    before = (decision.revision, decision.path)
    response = signed_in.post(f"/decisions/{decision.public_id}/steps/1/purpose/", answer_data("purpose", "yes"))
    assert response.status_code == 302
    assert response["Location"].endswith("/steps/1/emergency_check/")
    decision.refresh_from_db()
    assert (decision.revision, decision.path) == before
    follow = signed_in.get(response["Location"]).content.decode()
    assert "That question is not the next one in this decision" in follow


def test_a_skipped_step_in_the_url_is_refused(signed_in):
    decision = start_decision(signed_in)
    response = signed_in.get(f"/decisions/{decision.public_id}/steps/5/emergency_check/")
    assert response["Location"].endswith("/steps/1/emergency_check/")


def test_an_unknown_decision_or_someone_elses_is_not_found(client, signed_in):
    decision = start_decision(signed_in)
    other = make_user(username="someone-else")
    client.force_login(other)
    assert client.get(f"/decisions/{decision.public_id}/steps/1/emergency_check/").status_code == 404
    assert client.post(f"/decisions/{decision.public_id}/check/").status_code == 404
    assert client.get("/decisions/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get(f"/decisions/{decision.public_id}/steps/1/no such/").status_code == 404


def test_roles_that_do_not_decide_cannot_start_a_decision(client):
    trainer = make_user(username="trainer", role="trainer")
    client.force_login(trainer)
    assert client.get("/decisions/new/").status_code == 403
    assert client.post("/decisions/new/", {"case_reference": "x"}).status_code == 403
    assert Decision.objects.count() == 0


def test_a_stale_form_from_another_tab_changes_nothing(signed_in):
    decision = start_decision(signed_in)
    answer_current(signed_in, decision, "no")
    decision.refresh_from_db()
    before = decision.path
    response = signed_in.post(
        f"/decisions/{decision.public_id}/steps/1/emergency_check/", {**answer_data("emergency_check", "yes"), "revision": 0}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.path == before
    assert "changed in another window or tab" in signed_in.get(response["Location"]).content.decode()


def test_answers_are_saved_as_given_and_drafts_can_be_resumed(signed_in):
    decision = walk(signed_in, ["emergency_check:no", "purpose:yes"])
    page = signed_in.get("/decisions/").content.decode()
    assert "CASE-001" in page and "/steps/3/statutory_duty/" in page
    assert signed_in.get(f"/decisions/{decision.public_id}/")["Location"].endswith("/steps/3/statutory_duty/")


def test_the_side_panel_shows_the_answers_so_far(signed_in):
    decision = walk(signed_in, ["emergency_check:no"])
    page = signed_in.get(f"/decisions/{decision.public_id}/steps/2/purpose/").content.decode()
    assert "Your answers so far" in page
    assert "Is anyone in immediate danger" in page or "immediate danger" in page


def test_back_shows_the_previous_answer_and_resubmitting_it_keeps_the_rest(signed_in):
    decision = walk(signed_in, ["emergency_check:no", "purpose:yes"])
    page = signed_in.get(f"/decisions/{decision.public_id}/steps/3/statutory_duty/").content.decode()
    assert f'href="/decisions/{decision.public_id}/steps/2/purpose/"' in page
    back = signed_in.get(f"/decisions/{decision.public_id}/steps/2/purpose/").content.decode()
    assert 'value="yes" checked' in back
    signed_in.post(f"/decisions/{decision.public_id}/steps/2/purpose/", answer_data("purpose", "yes", revision=decision.revision))
    decision.refresh_from_db()
    assert [s["node"] for s in decision.path] == ["start", "emergency_check", "purpose"]


def test_changing_an_answer_rewalks_and_keeps_dropped_answers_in_history(signed_in):
    decision = walk(signed_in, pairs("outcome_share_no_consent_needed"), start="asked_to_share")
    assert decision.current_node == "record"
    response = signed_in.post(
        f"/decisions/{decision.public_id}/steps/4/statutory_duty/?return=check",
        answer_data("statutory_duty", "no_or_power_only", revision=decision.revision),
    )
    assert response["Location"].endswith("/steps/5/identifiable/")
    decision.refresh_from_db()
    assert [s["node"] for s in decision.path][-1] == "statutory_duty"
    dropped = list(decision.events.filter(kind=DecisionEvent.Kind.DROPPED).values_list("node", flat=True))
    assert dropped == ["duty_basis", "consent_from_whom", "minimum_necessary", "recipient_check", "secure_method",
                       "inform_person"]
    check = signed_in.get(f"/decisions/{decision.public_id}/check/").content.decode()
    assert "a question now needs an answer" in check and "some later answers no longer apply" in check
    assert f"/decisions/{decision.public_id}/steps/5/identifiable/" in check


def test_a_change_that_keeps_the_path_returns_to_check_answers(signed_in):
    decision = walk(signed_in, pairs("outcome_share_no_consent_needed"), start="asked_to_share")
    response = signed_in.post(
        f"/decisions/{decision.public_id}/steps/0/start/?return=check",
        answer_data("start", "want_to_share", revision=decision.revision),
    )
    assert response["Location"].endswith("/check/")
    decision.refresh_from_db()
    assert decision.state["direction"] == "want_to_share" and decision.current_node == "record"


def test_submitting_is_refused_until_review_owner_and_date_are_given(signed_in):
    decision = walk(signed_in, ["emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes",
                                "consent_from_whom:adult_18_plus", "confidential:yes", "consent_safe_to_ask:no_safe",
                                "consent_practicable:yes", "adult_capacity_doubt:no", "consent_outcome:refused",
                                "harm_threshold:lower_level_need", "public_interest_balance:no"])
    assert decision.state["review_required"] is True
    response = signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#id_review_owner"' in page and 'href="#id_review_date"' in page
    decision.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT
    response = signed_in.post(f"/decisions/{decision.public_id}/check/",
                              {"revision": decision.revision, "review_owner": "Pat", "review_date": "01/01/2099"})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.outcome == "outcome_do_not_share" and decision.record["review_date"] == "2099-01-01"


def test_a_review_date_in_the_past_is_refused(signed_in):
    decision = walk(signed_in, ["emergency_check:no", "purpose:yes", "statutory_duty:no_or_power_only", "identifiable:yes",
                                "consent_from_whom:adult_18_plus", "confidential:yes", "consent_safe_to_ask:no_safe",
                                "consent_practicable:yes", "adult_capacity_doubt:yes", "mca_support:not_yet"])
    response = signed_in.post(f"/decisions/{decision.public_id}/check/",
                              {"revision": decision.revision, "review_owner": "Pat", "review_date": "01/01/2001"})
    assert "Review date must be today or in the future" in errors(response)


def test_a_recorded_decision_cannot_be_changed(signed_in):
    decision = walk(signed_in, pairs("outcome_do_not_share"), start="asked_to_share")
    signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    decision.refresh_from_db()
    response = signed_in.post(f"/decisions/{decision.public_id}/steps/3/purpose/", answer_data("purpose", "yes", revision=decision.revision))
    assert response["Location"].endswith("/outcome/")
    decision.refresh_from_db()
    assert decision.outcome == "outcome_do_not_share" and len(decision.path) == 4


def test_the_urgent_button_says_who_to_contact_then_lets_the_record_be_completed(signed_in):
    decision = walk(signed_in, ["emergency_check:no", "purpose:yes"])
    response = signed_in.post(f"/decisions/{decision.public_id}/urgent/press/", {"revision": decision.revision})
    assert response["Location"] == f"/decisions/{decision.public_id}/urgent/"
    page = signed_in.get(response["Location"]).content.decode()
    assert "Who to contact now" in page and "999" in page
    decision.refresh_from_db()
    # Flowchart 1.2: who it is about is asked first, then what was shared.
    assert decision.is_emergency and decision.current_node == "consent_from_whom"
    assert f"/decisions/{decision.public_id}/steps/4/consent_from_whom/" in page


def test_an_urgent_start_goes_straight_to_who_it_is_about(signed_in):
    guidance = signed_in.get("/decisions/urgent/").content.decode()
    assert "Start the record" in guidance and "/decisions/new/?urgent=1" in guidance
    response = signed_in.post("/decisions/new/?urgent=1", start_data("want_to_share", case_reference="URG-1"))
    decision = Decision.objects.get()
    # The "act now" page came first; after the first page the record goes straight on, not to it again.
    assert response["Location"] == f"/decisions/{decision.public_id}/steps/2/consent_from_whom/"
    assert decision.current_node == "consent_from_whom" and decision.state["emergency"] is True


def test_a_decision_made_under_an_earlier_flowchart_still_displays(signed_in, settings, tmp_path):
    decision = walk(signed_in, pairs("outcome_do_not_share"), start="asked_to_share")
    signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    changed = tmp_path / "information-sharing.yaml"
    original = settings.ISG_FLOWCHART_PATH.read_text(encoding="utf-8")
    made_under = decision.flowchart_version
    changed.write_text(original.replace(f'version: "{made_under}"', 'version: "9.9.9"').replace(
        "Is there a clear and legitimate purpose", "Is there a NEW WORDING purpose"), encoding="utf-8")
    settings.ISG_FLOWCHART_PATH = changed
    page = signed_in.get(f"/decisions/{decision.public_id}/outcome/").content.decode()
    assert "NEW WORDING" not in page
    assert f"Version {made_under}" in page
    fresh = start_decision(signed_in)
    assert fresh.flowchart_version == "9.9.9"


def test_my_decisions_lists_only_my_own(signed_in, client):
    start_decision(signed_in, case_reference="MINE-1")
    other = make_user(username="other")
    client.force_login(other)
    assert "MINE-1" not in client.get("/decisions/").content.decode()


def test_pages_carry_a_strict_content_security_policy(signed_in):
    response = signed_in.get("/decisions/new/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "style-src 'self'" in policy
    page = response.content.decode()
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in page  # htmx's script tag
    # Every script is a file: no inline code, no inline event handlers.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert not re.search(r"\son[a-z]+=", page)


def test_htmx_keeps_no_pages_in_its_history_cache(signed_in):
    page = signed_in.get("/decisions/new/").content.decode()
    assert '"historyCacheSize": 0' in page and '"refreshOnHistoryMiss": true' in page


def test_the_outcome_leads_with_one_instruction_in_the_decisions_status(signed_in):
    """Flowchart 1.2 (8.1): one approval, the app's; while it waits, the page never says "share"."""
    decision = walk(signed_in, pairs("outcome_share_without_consent"))
    response = signed_in.post(f"/decisions/{decision.public_id}/check/", {"revision": decision.revision})
    page = signed_in.get(response["Location"]).content.decode()
    panel = page[page.index('id="status-panel"'):page.index("What the guidance supports")]
    assert "Waiting for approval: do not share yet" in panel
    words = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)  # the diagram lists every outcome's title
    assert "Share now" not in words and "Approved" not in panel
    assert "You recorded that your line manager" not in page  # the walk no longer asks it
    assert "Approval before sharing: nothing is shared until it is approved" in page


def test_a_forged_outcome_is_ignored_the_server_computes_it(signed_in):
    decision = walk(signed_in, pairs("outcome_share_without_consent"))
    signed_in.post(f"/decisions/{decision.public_id}/check/", {
        "revision": decision.revision, "outcome": "outcome_share_with_consent", "requires_approval": "false",
        "status": "recorded",
    })
    decision.refresh_from_db()
    assert decision.outcome == "outcome_share_without_consent"
    assert decision.requires_approval and decision.status == Decision.Status.AWAITING_APPROVAL
