"""Changing people (isg/accounts/people.py) and changes that give access (access_changes.py): the rules,
the second person, the hand-over, sessions ended, and the audit chain with ids and codes only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from isg.accounts import access_changes, people
from isg.accounts.models import AccessChange, User
from isg.approvals.models import Approval
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from tests.factories import make_agency, make_manager, make_user
from tests.waiting import make_waiting_decision

pytestmark = pytest.mark.django_db
LM, PRACTITIONER = User.Role.LINE_MANAGER, User.Role.PRACTITIONER


@pytest.fixture
def org():
    agency, other = make_agency(name="North"), make_agency(name="South")
    director = make_manager(username="director", first_name="Dana", last_name="Reid", agency=agency)
    deputy = make_manager(username="deputy", first_name="Dev", last_name="Desai", agency=agency, line_manager=director)
    manager = make_manager(username="manager", first_name="Margaret", last_name="Hughes", agency=agency,
                           line_manager=director, deputy=deputy)
    pat = make_user(username="pat", first_name="Pat", last_name="Smith", agency=agency, line_manager=manager,
                    email="pat@north.example.org")
    admin = make_user(username="admin", role=User.Role.ADMIN, agency=None, first_name="Alex")
    admin2 = make_user(username="admin2", role=User.Role.ADMIN, agency=None, first_name="Sam")
    lead = make_user(username="lead", role=User.Role.PARTNERSHIP, agency=None, is_partnership_lead=True,
                     email="lead@lscb.example.org")
    lscb = make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None)
    return SimpleNamespace(agency=agency, other=other, director=director, deputy=deputy, manager=manager,
                           pat=pat, admin=admin, admin2=admin2, lead=lead, lscb=lscb)


def update(person, actor, **changes):
    return people.person_update(person=person, proposed=changes, actor=actor)


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# -- changes made at once ---------------------------------------------------------------------------------


def test_a_new_line_manager_in_the_same_agency_is_made_at_once_and_audited_with_ids_only(org):
    outcome = update(org.pat, org.admin, line_manager=org.deputy.pk, first_name="Patricia")
    assert outcome.applied
    org.pat.refresh_from_db()
    assert org.pat.line_manager == org.deputy and org.pat.first_name == "Patricia"
    [event] = events("person_changed")
    assert event.actor == org.admin and event.subject_id == str(org.pat.pk)
    assert event.payload["changes"] == {"line_manager": [org.manager.pk, org.deputy.pk], "name": "changed"}
    assert "Patricia" not in str(event.payload) and "Pat" not in str(event.payload)


def test_nothing_changed_writes_nothing(org):
    assert not update(org.pat, org.admin, line_manager=org.manager.pk).changes
    assert not AuditEvent.objects.filter(action="person_changed").exists()


@pytest.mark.parametrize("change, field, message", [
    ({"line_manager": "pat"}, "line_manager", "Nobody can be their own line manager"),
    ({"line_manager": "other_manager"}, "line_manager", "same agency"),
    ({"line_manager": "practitioner"}, "line_manager", "line-manager role"),
    ({"agency": None}, "agency", "Choose the agency"),
    ({"deputy": "deputy"}, "deputy", "Only line managers have a deputy"),
    ({"email": "not an address"}, "email", "correct format"),
    ({"email": "deputy@example.org"}, "email", "Someone else already has this email address"),
    ({"first_name": "Pat <script>"}, "name", "markup"),
    ({"is_partnership_lead": True}, "is_partnership_lead", "Only partnership"),
    ({"is_designated_safeguarding_lead": True}, "is_designated_safeguarding_lead", "Only a line manager"),
])
def test_bad_changes_are_refused_by_field_and_change_nothing(org, change, field, message):
    names = {"pat": org.pat.pk, "deputy": org.deputy.pk, "practitioner": make_user(agency=org.agency).pk,
             "other_manager": make_manager(agency=org.other).pk}
    User.objects.filter(pk=org.deputy.pk).update(email="deputy@example.org")
    change = {k: names.get(v, v) if isinstance(v, str) and k not in ("email", "first_name") else v
              for k, v in change.items()}
    with pytest.raises(ValidationError) as refused:
        update(org.pat, org.admin, **change)
    assert message in " ".join(refused.value.message_dict[field])
    assert not AuditEvent.objects.filter(action__in=["person_changed", "access_change_requested"]).exists()


def test_a_cycle_is_refused(org):
    with pytest.raises(ValidationError, match="round in a circle"):
        update(org.director, org.admin, line_manager=org.manager.pk)


def test_a_line_manager_from_another_agency_is_allowed_by_the_setting(org, settings):
    settings.ISG_CROSS_AGENCY_LINE_MANAGEMENT = True
    elsewhere = make_manager(agency=org.other)
    assert update(org.pat, org.admin, line_manager=elsewhere.pk).applied


def test_a_line_manager_of_others_cannot_stop_being_one_until_they_have_another(org):
    with pytest.raises(ValidationError) as refused:
        update(org.manager, org.admin, role=PRACTITIONER)
    assert "They line-manage Pat Smith" in refused.value.message_dict["role"][0]
    with pytest.raises(ValidationError) as refused:
        update(org.deputy, org.admin, role=PRACTITIONER)
    assert "They are the deputy of Margaret Hughes" in " ".join(refused.value.message_dict["role"])


def test_a_practitioner_moved_to_another_agency_changes_at_once(org):
    assert update(org.pat, org.admin, agency=org.other.pk, line_manager=None).applied
    org.pat.refresh_from_db()
    assert org.pat.agency == org.other


# -- changes that give access -------------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    {"role": LM}, {"role": User.Role.PARTNERSHIP}, {"role": User.Role.ADMIN}, {"email": "pat@elsewhere.example.org"},
])
def test_a_change_that_gives_access_waits_for_a_second_person_and_the_lead_is_emailed(org, change):
    mail.outbox = []
    outcome = update(org.pat, org.admin, **change)
    assert not outcome.applied and outcome.access_change.status == AccessChange.Status.WAITING
    org.pat.refresh_from_db()
    assert org.pat.role == PRACTITIONER and org.pat.email == "pat@north.example.org"  # nothing yet
    [requested] = events("access_change_requested")
    assert requested.actor == org.admin and requested.payload["access_change"] == outcome.access_change.pk
    assert "elsewhere" not in str(requested.payload)
    [message] = mail.outbox
    assert message.to == ["lead@lscb.example.org"]
    assert f"/admin-pages/changes/{outcome.access_change.pk}/" in message.body and "Pat" not in message.body


def test_a_line_manager_of_people_cannot_move_agency_before_they_have_another_manager(org):
    with pytest.raises(ValidationError) as refused:
        update(org.director, org.admin, agency=org.other.pk)
    assert "They line-manage Dev Desai and Margaret Hughes at their present agency" in \
        refused.value.message_dict["agency"][0]


def test_a_lone_line_manager_moved_to_another_agency_waits_for_confirmation(org):
    loner = make_manager(agency=org.agency)
    outcome = update(loner, org.admin, agency=org.other.pk)
    assert outcome.access_change is not None
    loner.refresh_from_db()
    assert loner.agency == org.agency


def test_another_administrator_confirms_it_and_it_takes_effect(org):
    change = update(org.pat, org.admin, role=LM).access_change
    outcome = access_changes.access_change_confirm(change=change, actor=org.admin2)
    org.pat.refresh_from_db()
    assert org.pat.role == LM and outcome.changes == {"role": [PRACTITIONER, LM]}
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("confirmed", org.admin2)
    [changed] = events("person_changed")
    assert changed.actor == org.admin2 and changed.payload["access_change"] == change.pk
    assert changed.payload["requested_by"] == org.admin.pk
    assert [e.action for e in AuditEvent.objects.filter(subject_id=str(org.pat.pk)).order_by("seq")] == [
        "access_change_requested", "person_changed", "access_change_confirmed"]
    assert verify_chain().ok


def test_the_partnership_lead_may_confirm_but_not_the_asker_the_person_or_other_partnership_staff(org):
    change = update(org.pat, org.admin, role=User.Role.PARTNERSHIP).access_change
    for actor in (org.admin, org.pat, org.lscb, org.manager):
        with pytest.raises(PermissionDenied):
            access_changes.access_change_confirm(change=change, actor=actor)
    assert AccessChange.objects.get(pk=change.pk).status == "waiting"
    access_changes.access_change_confirm(change=change, actor=org.lead)
    org.pat.refresh_from_db()
    assert org.pat.role == User.Role.PARTNERSHIP and org.pat.agency is None and org.pat.line_manager is None


def test_nobody_confirms_a_change_to_themselves(org):
    change = update(org.admin2, org.admin, email="sam@new.example.org").access_change
    with pytest.raises(PermissionDenied):
        access_changes.access_change_confirm(change=change, actor=org.admin2)


def test_a_refused_or_withdrawn_change_changes_nothing_and_is_decided_once(org):
    change = update(org.pat, org.admin, role=LM).access_change
    access_changes.access_change_refuse(change=change, actor=org.lead)
    org.pat.refresh_from_db()
    assert org.pat.role == PRACTITIONER
    with pytest.raises(ValidationError, match="already been refused"):
        access_changes.access_change_confirm(change=change, actor=org.admin2)
    again = update(org.pat, org.admin, role=LM).access_change
    with pytest.raises(PermissionDenied):
        access_changes.access_change_withdraw(change=again, actor=org.lead)  # administrators withdraw
    access_changes.access_change_withdraw(change=again, actor=org.admin)
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="access_change").order_by("seq")] == [
        "access_change_requested", "access_change_refused", "access_change_requested", "access_change_withdrawn"]


def test_one_change_waits_at_a_time_for_a_person(org):
    update(org.pat, org.admin, role=LM)
    with pytest.raises(ValidationError, match="already waiting"):
        update(org.pat, org.admin2, email="pat@elsewhere.example.org")


def test_a_change_that_no_longer_fits_is_not_made_and_stays_waiting(org):
    change = update(org.pat, org.admin, role=LM, deputy=org.deputy.pk).access_change
    User.objects.filter(pk=org.deputy.pk).update(is_active=False)
    with pytest.raises(ValidationError, match="switched off"):
        access_changes.access_change_confirm(change=change, actor=org.admin2)
    assert AccessChange.objects.get(pk=change.pk).status == "waiting"
    org.pat.refresh_from_db()
    assert org.pat.role == PRACTITIONER


def test_making_someone_the_partnership_lead_needs_a_second_person(org):
    change = update(org.lscb, org.admin, is_partnership_lead=True).access_change
    assert change is not None
    access_changes.access_change_confirm(change=change, actor=org.admin2)
    org.lscb.refresh_from_db()
    assert org.lscb.is_partnership_lead


def test_making_a_manager_the_designated_safeguarding_lead_needs_a_second_person(org):
    change = update(org.deputy, org.admin, is_designated_safeguarding_lead=True).access_change
    assert change is not None  # it gives them the agency's waiting items
    org.deputy.refresh_from_db()
    assert not org.deputy.is_designated_safeguarding_lead
    access_changes.access_change_confirm(change=change, actor=org.admin2)
    org.deputy.refresh_from_db()
    assert org.deputy.is_designated_safeguarding_lead
    # Stepping down takes nothing from anyone else: at once.
    assert update(org.deputy, org.admin, is_designated_safeguarding_lead=False).applied


def test_a_line_manager_who_stops_being_one_hands_over_their_waiting_approvals(org):
    loner = make_manager(agency=org.agency, line_manager=org.director)
    someone = make_user(agency=org.agency)
    decision = make_waiting_decision(someone, loner)
    assert update(loner, org.admin, role=PRACTITIONER).applied  # giving up access needs nobody else
    assert Approval.objects.get(decision=decision).approver == org.director
    assert events("person_changed")[0].payload["handed_over"] == 1


# -- switching accounts off and on ----------------------------------------------------------------------


def test_switching_off_ends_every_session_and_hands_over_their_approvals(org):
    decision = make_waiting_decision(org.pat, org.manager)
    browser = Client()
    browser.force_login(org.manager)
    assert Session.objects.count() == 1
    outcome = people.person_deactivate(person=org.manager, actor=org.admin)
    assert outcome.handed_over == 1 and Approval.objects.get(decision=decision).approver == org.deputy
    assert Session.objects.count() == 0
    assert browser.get("/decisions/")["Location"].startswith("/accounts/login/")
    [event] = events("person_deactivated")
    assert event.payload == {"changes": {"is_active": [True, False]}, "handed_over": 1}
    # Again: nothing more happens.
    org.manager.refresh_from_db()
    assert not people.person_deactivate(person=org.manager, actor=org.admin).changes


def test_an_administrator_cannot_switch_off_their_own_account(org):
    with pytest.raises(ValidationError, match="your own account"):
        people.person_deactivate(person=org.admin, actor=org.admin)


def test_switching_on_again_is_at_once_for_a_practitioner_and_confirmed_for_a_line_manager(org):
    people.person_deactivate(person=org.pat, actor=org.admin)
    org.pat.refresh_from_db()
    assert people.person_reactivate(person=org.pat, actor=org.admin).applied
    assert events("person_reactivated")[0].payload["changes"] == {"is_active": [False, True]}
    people.person_deactivate(person=org.deputy, actor=org.admin)
    org.deputy.refresh_from_db()
    change = people.person_reactivate(person=org.deputy, actor=org.admin).access_change
    org.deputy.refresh_from_db()
    assert change is not None and not org.deputy.is_active
    access_changes.access_change_confirm(change=change, actor=org.lead)
    org.deputy.refresh_from_db()
    assert org.deputy.is_active


def test_a_data_protection_officer_keeps_an_optional_agency_and_their_access_needs_a_second_person(org):
    DPO = User.Role.DATA_PROTECTION_OFFICER
    change = update(org.pat, org.admin, role=DPO, line_manager=None).access_change
    assert change is not None  # they would read the decisions whose breach assessment they own
    access_changes.access_change_confirm(change=change, actor=org.admin2)
    org.pat.refresh_from_db()
    assert (org.pat.role, org.pat.agency, org.pat.line_manager) == (DPO, org.agency, None)
    assert update(org.pat, org.admin, agency=org.other.pk).access_change is not None  # another agency's decisions
    everyone = make_user(role=DPO, agency=None)
    assert update(everyone, org.admin, first_name="Dee").applied  # serving every agency is allowed
