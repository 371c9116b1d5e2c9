"""The owner's pages, through the test client as a browser without JavaScript: refusals, errors, double submits."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from isg.accounts.models import User
from isg.decisions.models import Decision, DecisionEvent
from isg.disclosures import services
from isg.disclosures.models import Share, Telling
from isg.followups.models import FollowUp
from tests.approvals.conftest import client_for, csrf_from
from tests.factories import make_user

from .conftest import share_values


def _form(client, url: str) -> dict:
    page = client.get(url).content.decode()
    return {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
        "token": re.search(r'name="token" value="([^"]+)"', page).group(1),
    }


def _share_post(organisation, *, when=None, **overrides) -> dict:
    when = timezone.localtime(when or timezone.now() - datetime.timedelta(minutes=10))
    data = {
        "shared_on_day": str(when.day), "shared_on_month": str(when.month), "shared_on_year": str(when.year),
        "shared_time": when.strftime("%H:%M"), "organisation": str(organisation.pk) if organisation else "another",
        "recipient_person": "Duty social worker", "method": "phone",
        "what_shared": "Dates and description of the bruising", "receipt_confirmed": "yes",
    }
    data.update(overrides)
    return data


def share_url(decision: Decision) -> str:
    return f"/disclosures/{decision.public_id}/share/"


def telling_url(decision: Decision) -> str:
    return f"/disclosures/{decision.public_id}/told/"


def outcome_url(decision: Decision) -> str:
    return f"/decisions/{decision.public_id}/outcome/"


def test_the_owner_records_a_share_and_it_shows_on_the_decision_page(people, shared, social_care):
    client = client_for(people.practitioner)
    response = client.post(share_url(shared), {**_form(client, share_url(shared)), **_share_post(social_care)})

    assert response.status_code == 302 and response["Location"].endswith("#what-was-shared")
    page = client.get(outcome_url(shared)).content.decode()
    assert "What was shared" in page and "Bath Children&#x27;s Social Care" in page
    assert "Dates and description of the bruising" in page and "Record a share" in page
    assert "Record who was told" in page


def test_a_double_submit_records_one_share(people, shared, social_care):
    client = client_for(people.practitioner)
    data = {**_form(client, share_url(shared)), **_share_post(social_care)}
    client.post(share_url(shared), data)
    again = client.post(share_url(shared), data, follow=True)

    assert Share.objects.count() == 1
    assert "recorded once" in again.content.decode()


def test_a_share_in_the_future_is_a_form_error_and_nothing_is_saved(people, shared, social_care):
    client = client_for(people.practitioner)
    data = {**_form(client, share_url(shared)),
            **_share_post(social_care, when=timezone.now() + datetime.timedelta(days=1))}
    page = client.post(share_url(shared), data).content.decode()

    assert "There is a problem" in page and "must be today or in the past" in page
    assert 'href="#id_shared_on_day"' in page
    assert not Share.objects.exists()


def test_a_share_with_no_recipient_is_a_form_error(people, shared):
    client = client_for(people.practitioner)
    data = {**_form(client, share_url(shared)), **_share_post(None, recipient_person="")}
    page = client.post(share_url(shared), data).content.decode()

    assert "Enter the name of the other organisation" in page and "Enter the person or role you shared with" in page
    assert not Share.objects.exists()


def test_another_named_organisation_is_recorded_by_name(people, shared):
    client = client_for(people.practitioner)
    data = {**_form(client, share_url(shared)), **_share_post(None, recipient_name="Avon Police")}
    client.post(share_url(shared), data)
    assert Share.objects.get().recipient == "Avon Police"


def test_hidden_characters_are_refused(people, shared, social_care):
    client = client_for(people.practitioner)
    data = {**_form(client, share_url(shared)), **_share_post(social_care, what_shared="Bruising\u202e")}
    page = client.post(share_url(shared), data).content.decode()
    assert "hidden text-direction characters" in page and not Share.objects.exists()


def test_before_approval_the_share_is_refused_with_a_clear_message(people, waiting, social_care):
    client = client_for(people.practitioner)
    form_page = client.get(share_url(waiting)).content.decode()
    assert "has not approved sharing yet" in form_page

    page = client.post(share_url(waiting), {**_form(client, share_url(waiting)), **_share_post(social_care)}).content.decode()
    assert "There is a problem" in page and "has not approved sharing yet" in page
    waiting.refresh_from_db()
    assert not Share.objects.exists() and waiting.status == Decision.Status.AWAITING_APPROVAL


def test_the_emergency_route_records_the_share_and_sends_it_for_review(people, waiting, social_care):
    client = client_for(people.practitioner)
    data = {**_form(client, share_url(waiting)),
            **_share_post(social_care, emergency_reason="He was collecting her from school within the hour")}
    response = client.post(share_url(waiting), data)

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Decision.Status.AWAITING_REVIEW and Share.objects.get().emergency
    page = client.get(outcome_url(waiting)).content.decode()
    assert "Shared in an emergency before approval" in page


def test_a_decision_not_to_share_has_no_share_page_or_link(people, clock):
    from tests.factories import make_decision

    decision = make_decision(people.practitioner, "outcome_do_not_share", submit=True)
    client = client_for(people.practitioner)
    assert "does not allow sharing" in client.get(share_url(decision)).content.decode()
    page = client.get(outcome_url(decision)).content.decode()
    assert "Record a share" not in page and "What was shared" not in page


def test_only_the_owner_may_reach_the_pages(people, shared, social_care):
    for someone in (people.manager, people.outsider_practitioner):
        client = client_for(someone)
        assert client.get(share_url(shared)).status_code == 404
        assert client.get(telling_url(shared)).status_code == 404


@pytest.mark.parametrize("role", [User.Role.PARTNERSHIP, User.Role.LINE_MANAGER])
def test_readers_see_the_list_without_links(people, shared, social_care, role):
    services.record_share(decision=shared, actor=people.practitioner, **share_values(social_care))
    reader = people.manager if role == User.Role.LINE_MANAGER else make_user(username="lscb", role=role)
    page = client_for(reader).get(outcome_url(shared)).content.decode()

    assert "What was shared" in page and "Dates and description of the bruising" in page
    assert "Record a share" not in page and "Record who was told" not in page
    assert "/disclosures/" not in page


def test_not_told_with_a_reconsider_date_opens_a_task(people, shared):
    client = client_for(people.practitioner)
    reconsider = timezone.localdate() + datetime.timedelta(days=14)
    data = {**_form(client, telling_url(shared)), "told": "no", "not_told_reason": "increases_risk",
            "reconsider_by_day": str(reconsider.day), "reconsider_by_month": str(reconsider.month),
            "reconsider_by_year": str(reconsider.year)}
    response = client.post(telling_url(shared), data, follow=True)

    page = response.content.decode()
    assert "Recorded that the person was not told" in page and "Reconsider by" in page
    assert "Telling them would increase the risk of harm" in page
    assert FollowUp.objects.filter(kind=FollowUp.Kind.RECONSIDER_TELLING, owner=people.practitioner).exists()


def test_telling_form_errors_list_what_is_missing(people, shared):
    client = client_for(people.practitioner)
    page = client.post(telling_url(shared), {**_form(client, telling_url(shared)), "told": "yes"}).content.decode()
    assert "Enter the date they were told" in page and "Enter who told them" in page
    assert "Select how they were told" in page and not Telling.objects.exists()


def test_the_history_page_shows_the_share_and_the_telling(people, shared, social_care):
    services.record_share(decision=shared, actor=people.practitioner, **share_values(social_care))
    client = client_for(people.practitioner)
    data = {**_form(client, telling_url(shared)), "told": "yes", "told_by": "Pat Practitioner", "how": "phone",
            **{f"told_on_{part}": str(getattr(timezone.localdate(), part)) for part in ("day", "month", "year")}}
    client.post(telling_url(shared), data)

    page = client.get(f"/decisions/{shared.public_id}/history/").content.decode()
    assert "Share recorded" in page and "Dates and description of the bruising" in page
    assert "Recorded whether the person was told" in page and "Pat Practitioner" in page
    assert shared.events.filter(kind=DecisionEvent.Kind.TELLING_RECORDED).count() == 1


def test_a_forged_token_saves_nothing_and_offers_a_fresh_form(people, shared, social_care):
    client = client_for(people.practitioner)
    token = csrf_from(client, share_url(shared))
    page = client.post(share_url(shared), {"csrfmiddlewaretoken": token, "token": "not-a-uuid",
                                          **_share_post(social_care)}).content.decode()
    assert "This form was out of date" in page and not Share.objects.exists()


def test_every_new_url_is_a_decision_record_url_for_its_owner_only():
    from isg.access.rules import DECISION_MAKERS, rule_for

    for name in ("disclosures:share", "disclosures:telling"):
        rule = rule_for(name)
        assert rule.record == "decision" and rule.action == "edit" and rule.roles == DECISION_MAKERS
