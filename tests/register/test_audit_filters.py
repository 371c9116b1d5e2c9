"""The register answers an audit's questions: several agencies, states and answers at once, approval
dates and periods, decided late, how long the approver took, overdue follow-ups, the recipient;
the flowchart's words instead of codes; and bad input refused with a clear message, never a 500
and never a quietly empty list.

The world (tests/register/conftest.py): NORTH-1 consent (recorded, 10 Jan 2026), NORTH-2 refused
(waiting for approval, 10 Feb), SOUTH-1 emergency (waiting for review, 10 Mar, overdue), SOUTH-2
serious harm shared without consent (waiting for approval, 10 Apr). `decided` below has the
approvers decide NORTH-2 late, after 30 hours, and SOUTH-2 on time, after 2 hours.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from isg.approvals.models import Approval
from isg.audit.models import AuditEvent
from isg.decisions.models import Decision
from isg.followups.models import FollowUp
from isg.register import services
from isg.register.filters import RegisterFilter, period_dates
from isg.register.views import duration_words

from .conftest import at
from .test_register import ROW, URL, client_for, csrf, ids, rows

pytestmark = pytest.mark.django_db

LONDON = datetime.timezone(datetime.timedelta(hours=1))  # BST, for the boundary tests


@pytest.fixture
def decided(world):
    users, d = world
    Decision.objects.filter(pk=d["refused"].pk).update(status=Decision.Status.APPROVED)
    Approval.objects.filter(decision=d["refused"]).update(
        requested_at=at(2026, 2, 10, 9), due_at=at(2026, 2, 10, 17), decided_at=at(2026, 2, 11, 15))
    Decision.objects.filter(pk=d["serious"].pk).update(status=Decision.Status.APPROVED)
    Approval.objects.filter(decision=d["serious"]).update(
        requested_at=at(2026, 4, 10, 9), due_at=at(2026, 4, 10, 17), decided_at=at(2026, 4, 10, 11))
    return users, d


def listed(users, query) -> set[str]:
    return set(rows(client_for(users["lscb"]).get(URL, query)))


@pytest.mark.parametrize(("query", "expected"), [
    ({"agency": ["north", "south"]}, ("consent", "refused", "emergency", "serious")),
    ({"agency": ["south"]}, ("emergency", "serious")),
    ({"status": ["approved", "recorded"]}, ("consent", "refused", "serious")),
    # Two answers to one question: either. Answers to two questions: both.
    ({"flag": ["consent_status:refused", "harm_level:serious"]}, ()),
    ({"flag": ["harm_level:serious", "harm_level:none"]}, ("serious",)),
    ({"flag": ["consent_status:refused", "consent_status:given"]}, ("consent", "refused")),
    ({"approved-from-day": "1", "approved-from-month": "4", "approved-from-year": "2026"}, ("serious",)),
    ({"approved-to-day": "11", "approved-to-month": "2", "approved-to-year": "2026"}, ("refused",)),
    ({"late": "yes"}, ("refused",)),
    ({"took": "24"}, ("refused",)),
    ({"took": "8"}, ("refused",)),
    ({"took": "48"}, ()),
    ({"agency": ["north", "south"], "late": "yes", "outcome": "outcome_share_limited"}, ("refused",)),
    # Where it stands now: a share that went ahead (recorded, or approved), or still waiting.
    ({"position": "shared"}, ("consent", "refused", "serious")),
    ({"position": "waiting"}, ("emergency",)),
    ({"position": "shared", "agency": "south"}, ("serious",)),
])
def test_each_new_filter_returns_exactly_its_rows(decided, query, expected):
    users, d = decided
    assert listed(users, query) == ids(*(d[name] for name in expected))


def test_the_recipient_filter_reads_the_recipient_the_decision_recorded(decided):
    users, d = decided
    kinds = {name: d[name].state.get("recipient_kind") for name in ("consent", "refused", "emergency", "serious")}
    for kind in {k for k in kinds.values() if k}:
        expected = ids(*(d[name] for name, recorded in kinds.items() if recorded == kind))
        assert listed(users, {"recipient": kind}) == expected
    assert listed(users, {"recipient": ["social_care", "police", "multi_agency_meeting", "other"]}) == ids(
        *(d[name] for name, recorded in kinds.items() if recorded))


@pytest.mark.parametrize("inline", [services.RELATED_IDS_INLINE, 1], ids=["ids-read-first", "ids-left-to-the-database"])
def test_overdue_follow_ups(decided, clock, inline, monkeypatch):
    # On PostgreSQL, past RELATED_IDS_INLINE decisions the ids are read by the query itself: the same rows.
    monkeypatch.setattr(services, "RELATED_IDS_INLINE", inline)
    users, d = decided
    clock.set(at(2026, 5, 1))
    FollowUp.objects.create(decision=d["serious"], kind=FollowUp.Kind.REVIEW, due_at=at(2026, 4, 20),
                            created_by=users["manager2"])
    FollowUp.objects.create(decision=d["consent"], kind=FollowUp.Kind.INFORM, due_at=at(2026, 6, 1),
                            created_by=users["manager"])
    FollowUp.objects.create(decision=d["refused"], kind=FollowUp.Kind.INFORM, due_at=at(2026, 4, 1),
                            created_by=users["manager"], completed_at=at(2026, 4, 2))
    assert listed(users, {"followups": "yes"}) == ids(d["serious"])  # not the one due later, nor the one done
    clock.set(at(2026, 6, 2))
    assert listed(users, {"followups": "yes"}) == ids(d["serious"], d["consent"])


@pytest.mark.django_db
def test_the_register_reads_without_parallel_workers_and_leaves_the_setting_as_it_was():
    # PostgreSQL only: SQLite has no parallel workers, and there the block only has to run.
    def workers() -> str | None:
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return cursor.fetchone()[0]

    before = workers()
    with services.without_parallel_workers():
        assert workers() in (None, "0")
    assert workers() == before
    assert connection.vendor != "postgresql" or before != "0"


def test_filters_a_related_table_answers_keep_the_order_and_the_capped_count(decided, clock):
    # Their matching ids are read in any order (services.reads_ids_unordered): the page and the
    # count must not notice.
    users, d = decided
    clock.set(at(2026, 6, 2))
    for decision in (d["consent"], d["refused"], d["serious"]):
        FollowUp.objects.create(decision=decision, kind=FollowUp.Kind.REVIEW, due_at=at(2026, 5, 1),
                                created_by=users["manager"])
    response = client_for(users["lscb"]).get(URL, {"followups": "yes"})
    assert rows(response) == [str(d[name].public_id) for name in ("serious", "refused", "consent")]
    assert "3 decisions match" in response.content.decode()
    wanted = RegisterFilter(followups_overdue=True)
    assert services.reads_ids_unordered(wanted)
    matching = services.register_decisions(users["lscb"], wanted)
    capped = services.count_capped(matching, unordered=True, cap=2)
    assert (capped.count, capped.more, capped.positions) == (2, True, None)
    narrowed = services.count_capped(matching, unordered=True, cap=3)
    assert (narrowed.count, narrowed.more) == (3, False)
    newest_first = [d[name].pk for name in ("serious", "refused", "consent")]
    assert [decision.pk for decision in narrowed.decisions] == newest_first
    assert [decision.pk for decision in services.page_of(narrowed, None).decisions] == newest_first


# -- periods on the test clock -------------------------------------------------------------------


@pytest.mark.parametrize(("today", "period", "expected"), [
    (datetime.date(2026, 3, 2), "this_quarter", (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))),
    (datetime.date(2026, 3, 2), "last_quarter", (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))),
    (datetime.date(2026, 3, 2), "this_financial_year", (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))),
    (datetime.date(2026, 3, 2), "last_financial_year", (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))),
    (datetime.date(2026, 4, 1), "this_financial_year", (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))),
    (datetime.date(2026, 12, 31), "this_quarter", (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))),
    (datetime.date(2026, 1, 5), "last_quarter", (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))),
])
def test_period_dates(today, period, expected):
    assert period_dates(period, today) == expected


def test_periods_follow_the_clock(decided, clock):
    users, d = decided
    clock.set(at(2026, 3, 2))
    assert listed(users, {"period": "this_quarter"}) == ids(d["consent"], d["refused"], d["emergency"])
    assert listed(users, {"period": "last_quarter"}) == set()
    assert listed(users, {"period": "this_financial_year"}) == ids(d["consent"], d["refused"], d["emergency"])
    clock.set(at(2026, 5, 15))
    assert listed(users, {"period": "last_quarter"}) == ids(d["consent"], d["refused"], d["emergency"])
    assert listed(users, {"period": "this_quarter"}) == ids(d["serious"])
    assert listed(users, {"period": "this_financial_year"}) == ids(d["serious"])
    assert listed(users, {"period": "last_financial_year"}) == ids(d["consent"], d["refused"], d["emergency"])
    assert listed(users, {"approved-period": "this_quarter"}) == ids(d["serious"])
    assert listed(users, {"approved-period": "last_quarter"}) == ids(d["refused"])
    body = client_for(users["lscb"]).get(URL, {"period": "last_quarter"}).content.decode()
    assert "last quarter, 1 January 2026 to 31 March 2026" in body


def test_a_period_is_worked_out_in_uk_time(decided, clock):
    """At 23:30 UTC on 30 June it is already 1 July in London: "this quarter" is July to September."""
    users, d = decided
    Decision.objects.filter(pk=d["serious"].pk).update(submitted_at=datetime.datetime(2026, 7, 1, 0, 15, tzinfo=LONDON))
    clock.set(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC))
    assert listed(users, {"period": "this_quarter"}) == ids(d["serious"])
    assert listed(users, {"period": "last_quarter"}) == set()


# -- what the page shows -------------------------------------------------------------------------


def test_answers_and_recipients_are_offered_in_the_flowcharts_words_never_as_codes(world):
    users, _ = world
    body = client_for(users["lscb"]).get(URL).content.decode()
    labels = re.findall(r'<label class="govuk-label govuk-checkboxes__label" for="(?:flag|recipient)-[^"]*">([^<]*)</label>',
                        body)
    assert len(labels) > 40
    assert "When they were asked about this sharing, what was their answer? They refused" in labels
    assert "The police or 999: checked" in labels
    for label in labels:
        assert not re.fullmatch(r"[a-z_]+(:[a-z_0-9]+)?", label), label  # a raw code
        assert "consent_status" not in label and "_" not in label
    # ...and the "filtered by" line names them in words too.
    filtered = client_for(users["lscb"]).get(URL, {"flag": ["consent_status:refused", "consent_status:unable"]})
    assert "They refused or " in filtered.content.decode()


def test_every_submitted_status_is_offered_from_the_model(world):
    users, _ = world
    body = client_for(users["lscb"]).get(URL).content.decode()
    offered = set(re.findall(r'name="status" type="checkbox" value="([a-z_]+)"', body))
    assert offered == {value for value in Decision.Status.values if value not in ("draft", "superseded")}


def test_rows_show_when_the_approver_decided_how_long_it_took_and_if_late(decided):
    users, d = decided
    body = client_for(users["lscb"]).get(URL).content.decode()
    refused = body.split(f'data-decision="{d["refused"].public_id}"')[1].split("</tr>")[0]
    serious = body.split(f'data-decision="{d["serious"].public_id}"')[1].split("</tr>")[0]
    assert "Decided 11 Feb 2026, 15:00, 1 day 6 hours after it was asked for" in refused
    assert "Decided late</strong>" in refused
    assert "Decided 10 Apr 2026, 11:00, 2 hours after it was asked for" in serious
    assert "Decided late" not in serious


@pytest.mark.parametrize(("elapsed", "words"), [
    (datetime.timedelta(minutes=1), "1 minute"),
    (datetime.timedelta(minutes=45), "45 minutes"),
    (datetime.timedelta(hours=5, minutes=10), "5 hours 10 minutes"),
    (datetime.timedelta(days=2, hours=3, minutes=59), "2 days 3 hours"),
    (datetime.timedelta(days=1, minutes=5), "1 day"),
    (datetime.timedelta(0), "0 minutes"),
])
def test_duration_words(elapsed, words):
    assert duration_words(elapsed) == words


def test_the_posted_form_keeps_every_tick_in_the_address(world):
    users, _ = world
    client = client_for(users["lscb"])
    response = client.post(URL, {"csrfmiddlewaretoken": csrf(client), "agency": ["north", "south"],
                                 "flag": ["consent_status:refused", "harm_level:serious"], "late": "yes",
                                 "period": "last_quarter"})
    assert response.status_code == 302
    location = response["Location"]
    assert "agency=north&agency=south" in location and "late=yes" in location and "period=last_quarter" in location
    assert "flag=consent_status%3Arefused&flag=harm_level%3Aserious" in location
    body = client.get(location).content.decode()
    assert 'value="north" checked>' in body and 'value="south" checked>' in body


def test_the_audit_keeps_every_code_asked_for(decided):
    users, _ = decided
    client_for(users["lscb"]).get(URL, {"agency": ["north", "south"], "late": "yes", "took": "24",
                                        "approved-period": "last_quarter"})
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCHED).latest("pk")
    criteria = event.payload["criteria"]
    assert criteria["agency"] == ["north", "south"] and criteria["late"] is True and criteria["took_hours"] == 24
    assert "approved_from" in criteria and "approved_to" in criteria


def test_back_to_the_register_keeps_every_tick(decided):
    """Several agencies in the filter: the decision's back link keeps them all, not the last one."""
    from .test_back_link import back_link, decision_link

    users, d = decided
    client = client_for(users["lscb"])
    query = "agency=north&agency=south&late=yes"
    register = client.get(f"{URL}?{query}")
    assert rows(register) == [str(d["refused"].public_id)]
    href, label = back_link(client.get(decision_link(register.content.decode(), d["refused"])).content.decode())
    assert label == "Back to the register" and href == f"{URL}?{query}"
    assert rows(client.get(href)) == [str(d["refused"].public_id)]


def test_each_decision_stands_in_exactly_one_place_and_a_withdrawn_one_in_none(decided):
    """The dashboard's four groups, as the register lists them: every decision the dashboard counts
    is in one of them, whatever its outcome or status."""
    from tests.factories import make_decision

    users, d = decided
    d["kept"] = make_decision(users["pat"], "outcome_do_not_share", submit=True, case_reference="NORTH-3")
    d["stopped"] = make_decision(users["pat2"], "outcome_share_limited", submit=True, case_reference="SOUTH-3")
    d["withdrawn"] = make_decision(users["pat2"], "outcome_share_with_consent", submit=True, case_reference="SOUTH-4")
    Decision.objects.filter(pk=d["stopped"].pk).update(status=Decision.Status.NOT_APPROVED)
    Decision.objects.filter(pk=d["withdrawn"].pk).update(status=Decision.Status.WITHDRAWN)
    for decision in d.values():
        decision.refresh_from_db()
    expected = {"shared": ("consent", "refused", "serious"), "waiting": ("emergency",),
                "not_approved": ("stopped",), "other": ("kept",)}
    for position, names in expected.items():
        assert listed(users, {"position": position}) == ids(*(d[name] for name in names)), position
        # Asked for with the withdrawn status, a withdrawn decision still stands nowhere.
        assert listed(users, {"position": position, "status": ["withdrawn", "recorded"]}) == ids(
            *(d[name] for name in names if d[name].status == Decision.Status.RECORDED)), position
    assert listed(users, {}) == ids(*(d[name] for names in expected.values() for name in names))


def test_where_it_stands_is_offered_and_named_in_the_dashboards_words(decided):
    users, _ = decided
    body = client_for(users["lscb"]).get(URL, {"position": "shared"}).content.decode()
    options = re.search(r'<select[^>]*name="position"[^>]*>(.*?)</select>', body, re.S).group(1)
    assert re.findall(r">([^<]+)</option>", options) == [
        "Shared or not", "Shared", "Waiting for approval or review", "Not approved", "Not shared, returned or still open"]
    assert '<option value="shared" selected>' in options
    assert re.search(r"Where it stands now.{0,200}Shared", body, re.S)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCHED).latest("pk")
    assert event.payload["criteria"]["position"] == "shared"


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "message"), [
    ({"agency": ["north", "atlantis"]}, "There is no agency “atlantis”: choose one from the list"),
    ({"status": ["approved", "draft"]}, "There is no approval state “draft”"),
    ({"flag": ["consent_status:refused", "consent_status:bribed"]},
     "There is no answer recorded in the decision “consent_status:bribed”"),
    ({"flag": "nonsense"}, "There is no answer recorded in the decision “nonsense”"),
    ({"recipient": "the_moon"}, "There is no recipient “the_moon”"),
    ({"took": "5"}, "There is no approver took longer than “5”"),
    ({"period": "next_century"}, "There is no submitted in “next_century”"),
    ({"approved-period": "yesterday"}, "There is no approver decided in “yesterday”"),
    ({"position": "leaked"}, "Where it stands now cannot be “leaked”: choose one from the list"),
    ({"late": "maybe"}, "can only be ticked or not"),
    ({"followups": "1"}, "can only be ticked or not"),
    ({"approved-from-day": "2", "approved-from-month": "2", "approved-from-year": "2026",
      "approved-to-day": "1", "approved-to-month": "2", "approved-to-year": "2026"},
     "Approver decided to date must be the same as or after the approver decided from date"),
    ({"approved-to-day": "30", "approved-to-month": "2", "approved-to-year": "2026"},
     "Approver decided to date must be a real date"),
    ({"period": "last_quarter", "from-day": "1", "from-month": "1", "from-year": "2026"},
     "Choose a period or enter submitted dates, not both"),
    ({"approved-period": "last_quarter", "approved-to-day": "1", "approved-to-month": "1", "approved-to-year": "2026"},
     "Choose a period or enter approver decided dates, not both"),
])
def test_bad_input_is_a_clear_message_and_no_list(decided, query, message):
    users, _ = decided
    client = client_for(users["lscb"])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(URL, query, headers=headers)
        body = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in body and message in body
        assert ROW.findall(body) == [] and "Correct the filter to see decisions" in body


def test_a_posted_bad_filter_is_shown_at_once_with_its_ticks_kept(world):
    users, _ = world
    client = client_for(users["lscb"])
    response = client.post(URL, {"csrfmiddlewaretoken": csrf(client), "agency": ["north", "atlantis"],
                                 "late": "yes"})
    body = response.content.decode()
    assert response.status_code == 200 and "There is no agency “atlantis”" in body
    assert 'value="north" checked>' in body and 'name="late" type="checkbox" value="yes" checked>' in body


def test_a_tampered_search_token_is_a_clear_message_not_an_empty_list(world):
    users, _ = world
    client = client_for(users["lscb"])
    response = client.get(URL, {"search": "not-a-token-anyone-made", "agency": "north"})
    body = response.content.decode()
    assert response.status_code == 200 and "That search has expired or was not made by you" in body
    assert ROW.findall(body) == [] and "Correct the filter to see decisions" in body


def test_a_tampered_cursor_with_new_filters_is_a_clear_400(decided):
    users, _ = decided
    response = client_for(users["lscb"]).get(URL, {"late": "yes", "agency": ["north", "south"], "cursor": "abc:def"})
    assert response.status_code == 400 and "That page link has been changed or is damaged" in response.content.decode()


def test_the_decided_times_are_real_approvals(decided):
    """The fixture's facts, checked, so the filters above are tested against what they claim."""
    _, d = decided
    refused = Approval.objects.get(decision=d["refused"])
    assert refused.decided_at > refused.due_at
    assert refused.decided_at - refused.requested_at == datetime.timedelta(hours=30)
    assert timezone.is_aware(refused.decided_at)
