""""Shared with (organisation)": the register lists decisions with a share recorded to an organisation
(isg/disclosures), chosen from the directory by id, or to another organisation the practitioner named.

The world (tests/register/conftest.py): NORTH-1 consent, NORTH-2 refused, SOUTH-1 emergency,
SOUTH-2 serious. `shares` records NORTH-1 to children's social care twice, SOUTH-1 to children's
social care and the police, SOUTH-2 to a named charity, and nothing for NORTH-2.
"""

from __future__ import annotations

import re

import pytest

from isg.audit.models import AuditEvent
from tests.factories import make_organisation, make_share

from .test_register import URL, client_for, ids, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def shares(world):
    users, d = world
    orgs = {
        "care": make_organisation("Riverside Children's Social Care"),
        "police": make_organisation("Riverside Police", kind="police"),
        "school": make_organisation("Hill School", kind="school"),
        "gone": make_organisation("Old Housing Trust", kind="housing", is_active=False),
    }
    make_share(d["consent"], organisation=orgs["care"])
    make_share(d["consent"], organisation=orgs["care"])
    make_share(d["emergency"], organisation=orgs["care"])
    make_share(d["emergency"], organisation=orgs["police"])
    make_share(d["serious"], recipient_name="The Lantern Trust")
    return users, d, orgs


def listed(users, query) -> set[str]:
    return set(rows(client_for(users["lscb"]).get(URL, query)))


def test_each_organisation_lists_the_decisions_shared_with_it_once(shares):
    users, d, orgs = shares
    assert listed(users, {"shared-with": orgs["care"].pk}) == ids(d["consent"], d["emergency"])
    assert rows(client_for(users["lscb"]).get(URL, {"shared-with": orgs["care"].pk})).count(
        str(d["consent"].public_id)) == 1  # two shares, one row
    assert listed(users, {"shared-with": orgs["police"].pk}) == ids(d["emergency"])
    assert listed(users, {"shared-with": orgs["school"].pk}) == set()
    assert listed(users, {"shared-with": "another"}) == ids(d["serious"])


def test_several_organisations_are_any_of_them_and_combine_with_the_other_filters(shares):
    users, d, orgs = shares
    assert listed(users, {"shared-with": [orgs["police"].pk, "another"]}) == ids(d["emergency"], d["serious"])
    assert listed(users, {"shared-with": orgs["care"].pk, "agency": "south"}) == ids(d["emergency"])
    assert listed(users, {"shared-with": orgs["care"].pk, "agency": "north"}) == ids(d["consent"])


def test_a_manager_never_sees_beyond_their_scope(shares):
    users, d, orgs = shares
    seen = set(rows(client_for(users["manager"]).get(URL, {"shared-with": orgs["care"].pk})))
    assert seen == ids(d["consent"])


def test_the_directory_is_offered_by_name_and_the_filter_named_in_words(shares):
    users, _, orgs = shares
    client = client_for(users["lscb"])
    body = client.get(URL).content.decode()
    offered = re.findall(r'name="shared-with" type="checkbox" value="([^"]+)"', body)
    assert offered == [str(orgs[n].pk) for n in ("school", "care", "police", "gone")] + ["another"]
    assert "Shared with (organisation)" in body
    assert "Old Housing Trust (no longer on the directory)" in body
    filtered = client.get(URL, {"shared-with": [orgs["care"].pk, orgs["police"].pk]}).content.decode()
    assert "Riverside Children&#x27;s Social Care or Riverside Police" in filtered
    assert f'value="{orgs["care"].pk}" checked>' in filtered


@pytest.mark.parametrize("value", ["999999", "Riverside Police", "1.5", ""])
def test_an_organisation_not_on_the_list_is_a_clear_message_and_no_list(shares, value):
    users, _, _ = shares
    response = client_for(users["lscb"]).get(URL, {"shared-with": value or " "})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "There is no organisation “" in body and "in the directory: choose one from the list" in body
    assert rows(response) == []


def test_the_audit_keeps_the_ids_never_a_name(shares):
    users, _, orgs = shares
    client_for(users["lscb"]).get(URL, {"shared-with": [orgs["police"].pk, "another"]})
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCHED).latest("pk")
    assert event.payload["criteria"] == {"shared_with": [orgs["police"].pk, "another"]}
    assert "Riverside" not in str(event.payload)
