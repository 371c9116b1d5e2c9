"""Who may line-manage and deputise (isg/accounts/line_management.py), and whose approvals reach nobody."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from isg.accounts.line_management import (
    RoutingCheck,
    check_deputy,
    check_line_manager,
    left_without_approver,
    routes_nowhere,
)
from isg.accounts.models import User
from tests.factories import make_agency, make_manager, make_user

pytestmark = pytest.mark.django_db
LM = User.Role.LINE_MANAGER


def refusal(check, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        check(*args, **kwargs)
    return refused.value.code


def test_a_line_manager_must_be_an_active_line_manager_and_not_themselves():
    agency = make_agency()
    pat = make_user(agency=agency)
    assert refusal(check_line_manager, make_user(agency=agency), person_pk=pat.pk, agency_id=agency.pk) == "not_a_manager"
    gone = make_manager(agency=agency, is_active=False)
    assert refusal(check_line_manager, gone, person_pk=pat.pk, agency_id=agency.pk) == "inactive"
    manager = make_manager(agency=agency)
    assert refusal(check_line_manager, manager, person_pk=manager.pk, agency_id=agency.pk) == "self"
    check_line_manager(manager, person_pk=pat.pk, agency_id=agency.pk)


def test_a_line_manager_from_another_agency_only_when_the_setting_allows(settings):
    pat, elsewhere = make_user(), make_manager()
    assert refusal(check_line_manager, elsewhere, person_pk=pat.pk, agency_id=pat.agency_id) == "other_agency"
    settings.ISG_CROSS_AGENCY_LINE_MANAGEMENT = True
    check_line_manager(elsewhere, person_pk=pat.pk, agency_id=pat.agency_id)


@pytest.mark.parametrize("length", [2, 3])
def test_line_management_never_goes_round_in_a_circle(length):
    agency = make_agency()
    chain = [make_manager(agency=agency, first_name=f"M{n}") for n in range(length)]
    for lower, upper in zip(chain, chain[1:], strict=False):
        lower.line_manager = upper
        lower.save()
    # Making the bottom one the top one's manager closes the circle.
    with pytest.raises(ValidationError, match="round in a circle: M0") as refused:
        check_line_manager(chain[0], person_pk=chain[-1].pk, agency_id=agency.pk)
    assert refused.value.code == "cycle"


def test_only_line_managers_have_a_deputy_who_is_another_line_manager_of_the_agency(settings):
    agency = make_agency()
    manager, deputy = make_manager(agency=agency), make_manager(agency=agency)
    assert refusal(check_deputy, deputy, person_pk=manager.pk, role="practitioner", agency_id=agency.pk) == "not_a_manager"
    assert refusal(check_deputy, make_user(agency=agency), person_pk=manager.pk, role=LM, agency_id=agency.pk) \
        == "not_a_manager"
    assert refusal(check_deputy, manager, person_pk=manager.pk, role=LM, agency_id=agency.pk) == "self"
    assert refusal(check_deputy, make_manager(), person_pk=manager.pk, role=LM, agency_id=agency.pk) == "other_agency"
    check_deputy(deputy, person_pk=manager.pk, role=LM, agency_id=agency.pk)
    settings.ISG_CROSS_AGENCY_LINE_MANAGEMENT = True
    check_deputy(make_manager(), person_pk=manager.pk, role=LM, agency_id=agency.pk)


def test_approvals_reach_nobody_without_an_active_manager_deputy_or_other_manager_in_the_agency():
    agency = make_agency()
    pat = make_user(agency=agency)
    assert routes_nowhere(pat)
    other = make_manager(agency=agency)
    assert not routes_nowhere(pat)  # the agency's queue has someone
    assert routes_nowhere(pat, without={other.pk})
    manager = make_manager(agency=agency)
    pat.line_manager = manager
    pat.save()
    assert routes_nowhere(pat, without={manager.pk, other.pk})
    manager.deputy = other
    manager.save()
    pat.refresh_from_db()
    assert not routes_nowhere(pat, without={manager.pk})
    # Only people who record decisions, with an account switched on, route anywhere.
    assert not routes_nowhere(make_user(role=User.Role.TRAINER, agency=None))
    assert not routes_nowhere(make_user(agency=make_agency(), is_active=False))


def test_a_managers_own_approvals_need_someone_other_than_themselves():
    agency = make_agency()
    manager = make_manager(agency=agency)
    assert routes_nowhere(manager)
    assert not routes_nowhere(make_user(agency=agency))


def test_who_would_be_left_without_an_approver():
    agency = make_agency()
    manager = make_manager(agency=agency)
    pat, sam = make_user(agency=agency, line_manager=manager), make_user(agency=agency)
    assert {p.pk for p in left_without_approver(manager)} == {pat.pk, sam.pk}
    other = make_manager(agency=agency)
    # The others now have the new manager; the new manager's own approvals would have nobody.
    assert left_without_approver(manager) == [other]
    assert left_without_approver(pat) == []


def test_the_list_check_agrees_with_the_one_at_a_time_check():
    agency, empty = make_agency(), make_agency()
    manager, gone = make_manager(agency=agency), make_manager(agency=agency, is_active=False)
    people = [
        make_user(agency=agency, line_manager=manager), make_user(agency=empty),
        make_user(agency=empty, line_manager=gone), manager, make_manager(agency=empty),
        make_user(role=User.Role.PARTNERSHIP, agency=None), make_user(agency=None),
    ]
    check = RoutingCheck()
    for person in User.objects.filter(pk__in=[p.pk for p in people]).select_related("line_manager"):
        assert check.routes_nowhere(person) == routes_nowhere(person), person.username
