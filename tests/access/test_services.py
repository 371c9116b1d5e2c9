"""Who sees which decision, and who may do what to it (isg/access/services.py)."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from isg.access.services import decision_for, decisions_visible_to, may
from isg.accounts.models import User
from isg.approvals.models import Approval
from isg.decisions.models import Decision
from tests.factories import make_agency, make_decision, make_manager, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    agency, other = make_agency(), make_agency()
    pat = make_user(agency=agency)
    manager = make_manager(agency=agency, reports=[pat])
    return {
        "agency": agency, "other": other, "pat": pat, "manager": manager,
        "colleague": make_user(agency=agency),  # same agency, not pat's manager, not a manager at all
        "peer_manager": make_manager(agency=agency),  # same agency, not pat's manager
        "other_manager": make_manager(agency=other),
        "lscb": make_user(role=User.Role.PARTNERSHIP, agency=None),
        "trainer": make_user(role=User.Role.TRAINER, agency=None),
        "admin": make_user(role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True),
        "draft": make_decision(pat, upto=3),
        "submitted": make_decision(pat, submit=True),
    }


def visible(user) -> set[int]:
    return set(decisions_visible_to(user).values_list("pk", flat=True))


def test_practitioners_see_only_their_own_drafts_included(team):
    assert visible(team["pat"]) == {team["draft"].pk, team["submitted"].pk}
    assert visible(team["colleague"]) == set()


def test_line_managers_see_their_reports_submitted_decisions_never_their_drafts(team):
    assert visible(team["manager"]) == {team["submitted"].pk}
    assert visible(team["peer_manager"]) == set()
    assert visible(team["other_manager"]) == set()


def test_a_report_in_another_agency_is_not_visible_to_the_manager(team):
    team["pat"].agency = team["other"]
    team["pat"].save()
    assert visible(team["manager"]) == set()


def test_lscb_sees_every_submitted_decision_of_every_agency_and_no_draft(team):
    elsewhere = make_decision(make_user(agency=team["other"]), submit=True)
    assert visible(team["lscb"]) == {team["submitted"].pk, elsewhere.pk}


@pytest.mark.parametrize("who", ["trainer", "admin"])
def test_trainers_and_administrators_see_no_decision(team, who):
    assert visible(team[who]) == set()


def test_anonymous_and_deactivated_users_see_nothing(team):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()
    team["pat"].is_active = False
    team["pat"].save()
    assert visible(team["pat"]) == set()


def test_decision_objects_visible_to_delegates_and_chains(team):
    assert set(Decision.objects.visible_to(team["manager"]).values_list("pk", flat=True)) == {team["submitted"].pk}
    assert list(Decision.objects.drafts().visible_to(team["pat"])) == [team["draft"]]


def _approval(decision, **kwargs) -> Approval:
    approval, _ = Approval.objects.update_or_create(
        decision=decision, defaults={"routed_by": Approval.RoutedBy.LINE_MANAGER, "requested_at": timezone.now(), **kwargs},
    )
    return approval


def test_routed_and_escalated_decisions_are_visible_to_that_manager_only(team):
    decision = make_decision(make_user(agency=team["other"]), submit=True)
    _approval(decision, approver=team["peer_manager"], routed_by=Approval.RoutedBy.DEPUTY)
    assert decision.pk in visible(team["peer_manager"])
    assert may(team["peer_manager"], decision, "approve")
    # Escalation hands it to the next approver up: responsibility, and with it the power to act, moves.
    _approval(decision, approver=team["other_manager"], escalated_to=team["other_manager"], level=1)
    assert decision.pk in visible(team["other_manager"]) and may(team["other_manager"], decision, "approve")
    assert not may(team["peer_manager"], decision, "approve")


def test_the_agency_queue_is_visible_to_every_manager_of_that_agency(team):
    decision = make_decision(make_user(agency=team["agency"]), submit=True)
    _approval(decision, approver=None, routed_by=Approval.RoutedBy.AGENCY)
    assert decision.pk in visible(team["peer_manager"]) and decision.pk in visible(team["manager"])
    assert decision.pk not in visible(team["other_manager"])
    assert may(team["peer_manager"], decision, "approve")


def test_nobody_approves_their_own_decision_even_in_their_agency_queue(team):
    own = make_decision(team["manager"], submit=True)
    _approval(own, approver=None, routed_by=Approval.RoutedBy.AGENCY)
    assert own.pk in visible(team["manager"])
    assert not may(team["manager"], own, "approve")
    with pytest.raises(Http404):
        decision_for(team["manager"], own.public_id, "approve")


def test_actions_by_role(team):
    submitted, draft = team["submitted"], team["draft"]
    assert may(team["pat"], draft, "edit") and may(team["pat"], submitted, "amend")
    assert not may(team["pat"], submitted, "approve")
    assert may(team["manager"], submitted, "view") and may(team["manager"], submitted, "approve")
    assert not may(team["manager"], submitted, "edit")
    for action in ("view", "history", "export"):
        assert may(team["lscb"], submitted, action)
    for action in ("edit", "approve", "amend"):
        assert not may(team["lscb"], submitted, action), action
    for who in ("trainer", "admin", "colleague", "other_manager"):
        for action in ("view", "edit", "approve", "history", "amend", "export"):
            assert not may(team[who], submitted, action), (who, action)


def test_a_follow_up_action_is_added_by_the_owner_or_their_line_manager_only(team):
    submitted, draft = team["submitted"], team["draft"]
    assert may(team["pat"], submitted, "follow_up") and may(team["manager"], submitted, "follow_up")
    assert not may(team["manager"], draft, "follow_up")  # a draft is the practitioner's working notes
    for who in ("colleague", "peer_manager", "other_manager", "lscb", "trainer", "admin"):
        assert not may(team[who], submitted, "follow_up"), who
    team["manager"].is_away = True
    assert not may(team["manager"], submitted, "follow_up")  # away: not responsible for it now


def test_decision_for_answers_404_for_anything_out_of_scope(team):
    submitted = team["submitted"]
    assert decision_for(team["lscb"], submitted.public_id, "view") == submitted
    assert decision_for(team["pat"], str(submitted.public_id), "edit") == submitted
    for who, action in [("lscb", "edit"), ("colleague", "view"), ("manager", "edit"), ("trainer", "view")]:
        with pytest.raises(Http404):
            decision_for(team[who], submitted.public_id, action)
    with pytest.raises(Http404):
        decision_for(team["pat"], "not-a-uuid", "view")
    with pytest.raises(ValueError):
        decision_for(team["pat"], submitted.public_id, "delete")
