"""A draft started under an older flowchart: the notice, and restarting under the live one."""

import pytest

from isg.decisions.models import Decision, DecisionEvent
from isg.flowchart.services import current_flowchart

from .helpers import answer_data, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def newer_flowchart(settings, tmp_path):
    """Publish a changed flowchart (same ids, a new version) after the test has started its drafts."""

    def publish():
        original = settings.ISG_FLOWCHART_PATH.read_text(encoding="utf-8")
        version = current_flowchart().version
        changed = tmp_path / "information-sharing.yaml"
        changed.write_text(original.replace(f'version: "{version}"', 'version: "9.9.9"'), encoding="utf-8")
        settings.ISG_FLOWCHART_PATH = changed
        return current_flowchart()

    return publish


def test_a_draft_under_the_live_flowchart_shows_no_notice(signed_in):
    decision = walk(signed_in, ["emergency_check:no"])
    page = signed_in.get(f"/decisions/{decision.public_id}/steps/2/purpose/").content.decode()
    assert "A newer version of the flowchart" not in page and "/restart/" not in page


def test_an_older_draft_says_a_newer_flowchart_exists_and_offers_to_restart(signed_in, newer_flowchart):
    decision = walk(signed_in, ["emergency_check:no"])
    made_under = decision.flowchart_version
    newer_flowchart()
    page = signed_in.get(f"/decisions/{decision.public_id}/steps/2/purpose/").content.decode()
    assert f"A newer version of the flowchart (9.9.9) has been published since you started this decision under version {made_under}" in page
    assert 'href="/flowchart/changes/"' in page
    assert f'action="/decisions/{decision.public_id}/restart/"' in page and "Restart under version 9.9.9" in page
    # The draft itself is not migrated: it still walks under the version it began with.
    decision.refresh_from_db()
    assert decision.flowchart_version == made_under


def test_restarting_copies_the_first_answer_and_supersedes_the_old_draft(signed_in, newer_flowchart):
    old = walk(signed_in, ["emergency_check:no", "purpose:yes"])
    old_sha, old_path = old.flowchart_id, list(old.path)
    live = newer_flowchart()
    response = signed_in.post(f"/decisions/{old.public_id}/restart/", {"revision": old.revision})
    new = Decision.objects.exclude(pk=old.pk).get()
    assert response["Location"] == f"/decisions/{new.public_id}/steps/1/emergency_check/"
    assert new.flowchart_id == live.sha256 and new.flowchart_version == "9.9.9" and new.is_draft
    assert new.case_reference == old.case_reference
    assert [(s["node"], s["answer"]) for s in new.path] == [("start", "want_to_share")]
    assert new.summary == old.summary and new.summary.startswith("Concern")
    old.refresh_from_db()
    assert old.status == Decision.Status.SUPERSEDED and old.replaced_by == new
    assert old.flowchart_id == old_sha and old.path == old_path  # kept as it was
    event = old.events.get(kind=DecisionEvent.Kind.SUPERSEDED)
    assert event.payload["replaced_by"] == str(new.public_id)
    assert new.events.get(kind=DecisionEvent.Kind.STARTED).payload["restarted_from"] == str(old.public_id)
    follow = signed_in.get(response["Location"]).content.decode()
    assert "A newer version of the flowchart" not in follow
    mine = signed_in.get("/decisions/").content.decode()
    assert "Drafts restarted under a newer flowchart" in mine and f"/decisions/{old.public_id}/outcome/" in mine
    history = signed_in.get(f"/decisions/{old.public_id}/outcome/").content.decode()
    assert "This draft was restarted under a newer flowchart" in history and f"/decisions/{new.public_id}/" in history
    # The old draft can no longer be answered.
    stale = signed_in.post(f"/decisions/{old.public_id}/steps/3/statutory_duty/",
                           answer_data("statutory_duty", "yes_duty", revision=old.revision))
    assert stale.status_code == 302
    old.refresh_from_db()
    assert len(old.path) == len(old_path)


def test_restarting_twice_or_without_revision_makes_one_new_draft(signed_in, newer_flowchart):
    old = walk(signed_in, ["emergency_check:no"])
    newer_flowchart()
    signed_in.post(f"/decisions/{old.public_id}/restart/", {})
    assert Decision.objects.count() == 1
    signed_in.post(f"/decisions/{old.public_id}/restart/", {"revision": old.revision})
    signed_in.post(f"/decisions/{old.public_id}/restart/", {"revision": old.revision})
    assert Decision.objects.count() == 2
    assert Decision.objects.filter(status=Decision.Status.SUPERSEDED).count() == 1


def test_a_live_draft_cannot_be_restarted(signed_in):
    decision = walk(signed_in, ["emergency_check:no"])
    signed_in.post(f"/decisions/{decision.public_id}/restart/", {"revision": decision.revision})
    assert Decision.objects.count() == 1
    decision.refresh_from_db()
    assert decision.is_draft
