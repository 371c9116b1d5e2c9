"""The chain's head, signed outside the database: `manage.py audit anchor` and `audit verify` against it.

The chain alone cannot show a rewrite with every hash recomputed, or its newest events deleted
(both pass `verify_chain`, as the tests assert first); the signed anchor can. Tampering plays the
database owner with the triggers dropped, inside the test's transaction (tests/audit/conftest.py).
"""

import hashlib
import hmac
import io
import json
import logging
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from isg.audit import anchors, services
from isg.audit.chain import GENESIS, canonical_json, row_hash
from isg.audit.models import AuditEvent
from isg.audit.tasks import anchor_chain
from isg.ops.logging import JsonFormatter
from tests.audit.conftest import add_events, json_placeholder

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TEST_KEY = "test-only-audit-anchor-key-0123456789abcdef"  # tests/settings.py


@pytest.fixture
def anchor_file(tmp_path, settings):
    """The anchor file the DPO keeps, here in the test's own folder."""
    settings.ISG_AUDIT_ANCHOR_PATH = tmp_path / "anchors.jsonl"
    return settings.ISG_AUDIT_ANCHOR_PATH


def verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exited:
        code = exited.code
    return code, out.getvalue().strip(), err.getvalue().strip()


def anchor_command() -> str:
    out = io.StringIO()
    call_command("audit", "anchor", stdout=out)
    return out.getvalue().strip()


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def rewrite_chain_from(seq: int, attacker) -> None:
    """Change one event's payload and recompute every hash from there on, as a careful attacker would."""
    rows = list(AuditEvent.objects.order_by("seq").values(
        "seq", "at", "actor_id", "action", "subject_type", "subject_id", "payload", "hash"))
    prev_hash = GENESIS
    for row in rows:
        if row["seq"] >= seq:
            payload = {**row["payload"], "answer": "no"} if row["seq"] == seq else row["payload"]
            digest = row_hash(prev_hash, canonical_json(
                seq=row["seq"], at=row["at"], actor_id=row["actor_id"], action=row["action"],
                subject_type=row["subject_type"], subject_id=row["subject_id"], payload=payload,
            ))
            attacker(
                f"UPDATE audit_auditevent SET payload = {json_placeholder()}, prev_hash = %s, hash = %s WHERE seq = %s",
                [json.dumps(payload), prev_hash, digest, row["seq"]],
            )
            row["hash"] = digest
        prev_hash = row["hash"]


# -- writing ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_anchor_is_one_signed_json_line_in_the_documented_format(anchor_file):
    events = add_events(5)
    anchor = anchors.write_anchor(now=NOW)
    [line] = lines(anchor_file)
    assert line == {
        "anchored_at": "2026-11-30T02:00:00.000000Z", "events": 5, "last_id": events[-1].id, "head": events[-1].hash,
        "key_id": hashlib.sha256(b"isg.audit.anchor-key:" + TEST_KEY.encode()).hexdigest()[:8],
        "signature": line["signature"], "v": 1,
    }
    # Re-implemented from the module doc: HMAC-SHA256 over the other fields, keys sorted, no whitespace.
    signed = json.dumps({k: v for k, v in line.items() if k != "signature"}, sort_keys=True, separators=(",", ":"))
    assert line["signature"] == hmac.new(TEST_KEY.encode(), signed.encode(), hashlib.sha256).hexdigest()
    assert anchor.as_dict() == line


@pytest.mark.django_db
def test_the_command_appends_an_anchor_and_says_what_it_signed(anchor_file):
    add_events(3)
    first = anchor_command()
    events = add_events(2)
    second = anchor_command()
    assert first.startswith("anchored 3 events (last id ")
    assert second.startswith(f"anchored 5 events (last id {events[-1].id}), head {events[-1].hash[:16]}, at ")
    assert [(line["events"], line["head"]) for line in lines(anchor_file)] == [
        (3, AuditEvent.objects.get(seq=3).hash), (5, events[-1].hash)
    ]


@pytest.mark.django_db
def test_an_anchor_is_logged_as_a_json_line_with_no_personal_data(anchor_file, caplog, practitioner):
    add_events(2, actor=practitioner)
    with caplog.at_level(logging.INFO, logger="isg.audit.anchors"):
        anchor = anchors.write_anchor(now=NOW)
    [record] = [r for r in caplog.records if r.name == "isg.audit.anchors"]
    logged = json.loads(JsonFormatter().format(record))
    assert logged["anchor"] == lines(anchor_file)[0] == anchor.as_dict()
    assert logged["message"] == f"audit chain anchored: 2 events, head {anchor.head[:16]}"
    assert "pat" not in json.dumps(logged).lower() and "decision-" not in json.dumps(logged)


@pytest.mark.django_db
def test_the_task_the_scheduler_will_enqueue_writes_an_anchor(anchor_file):
    events = add_events(4)
    result = anchor_chain.enqueue()  # the tests' immediate backend runs it at once
    assert result.status == "SUCCESSFUL"
    assert result.return_value == lines(anchor_file)[0]
    assert (result.return_value["events"], result.return_value["head"]) == (4, events[-1].hash)


@pytest.mark.django_db
def test_anchoring_without_a_key_says_what_to_set(anchor_file, settings):
    settings.ISG_AUDIT_ANCHOR_KEY = ""
    with pytest.raises(CommandError, match="ISG_AUDIT_ANCHOR_KEY is not set"):
        anchor_command()
    assert not anchor_file.exists()


@pytest.mark.django_db
def test_anchoring_into_a_folder_that_does_not_exist_is_refused(tmp_path, settings):
    settings.ISG_AUDIT_ANCHOR_PATH = tmp_path / "unmounted" / "anchors.jsonl"
    with pytest.raises(CommandError, match=f"the anchor file's folder {tmp_path / 'unmounted'} does not exist"):
        anchor_command()


@pytest.mark.django_db
def test_anchoring_refuses_to_sign_over_a_chain_that_lost_its_newest_events(anchor_file, attacker, caplog):
    add_events(6)
    anchors.write_anchor(now=NOW)
    attacker("DELETE FROM audit_auditevent WHERE seq = 6")
    with pytest.raises(CommandError, match="the newest event \\(seq 6\\) was deleted; no anchor written"):
        anchor_command()
    assert len(lines(anchor_file)) == 1  # the tampered chain was not blessed with a fresh anchor
    assert "audit anchor refused: the chain ends at seq 5" in caplog.text


# -- verifying against the anchors ----------------------------------------------------------------


@pytest.mark.django_db
def test_verify_passes_against_every_anchor_as_the_chain_grows(anchor_file):
    add_events(5)
    anchors.write_anchor(now=NOW)
    events = add_events(3)
    anchors.write_anchor(now=LATER)
    add_events(2)  # events after the newest anchor are fine: it signs a prefix
    code, out, err = verify()
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == (
        f"ok 2 anchors in {anchor_file}, each signed and held by the chain; the newest, "
        f"2026-12-01T02:00:00.000000Z, is 8 events, head {events[-1].hash[:16]}"
    )


@pytest.mark.django_db
def test_a_whole_chain_rewrite_passes_the_chain_check_but_not_the_anchor(anchor_file, attacker):
    add_events(10)
    anchors.write_anchor(now=NOW)
    old_head = AuditEvent.objects.get(seq=10).hash
    rewrite_chain_from(1, attacker)
    assert services.verify_chain().ok  # consistent again: the chain alone cannot tell
    new_head = AuditEvent.objects.get(seq=10).hash
    code, out, err = verify()
    assert (code, out) == (1, "")
    assert err == (
        f"anchor check failed: the chain up to seq 10 is not the one the anchor of 2026-11-30T02:00:00.000000Z "
        f"({anchor_file}, line 1) signed: seq 10 has hash {new_head[:16]}, the anchor {old_head[:16]}: "
        "the chain was rewritten"
    )


@pytest.mark.django_db
def test_a_rewrite_after_an_older_anchor_says_where_the_damage_starts(anchor_file, attacker):
    add_events(4)
    anchors.write_anchor(now=NOW)
    add_events(4)
    anchors.write_anchor(now=LATER)
    rewrite_chain_from(6, attacker)
    assert services.verify_chain().ok
    code, _, err = verify()
    assert code == 1
    assert err.startswith(f"anchor check failed: the chain up to seq 8 is not the one the anchor of "
                          f"2026-12-01T02:00:00.000000Z ({anchor_file}, line 2) signed")
    assert err.endswith(f"({anchor_file}, line 1, at seq 4, still holds: the change is after seq 4)")


@pytest.mark.django_db
@pytest.mark.parametrize(("deleted", "says"), [
    (1, "the newest event (seq 10) was deleted"),
    (3, "the newest 3 events (seq 8 to 10) were deleted"),
])
def test_deleting_the_newest_events_passes_the_chain_check_but_not_the_anchor(anchor_file, attacker, deleted, says):
    add_events(10)
    anchors.write_anchor(now=NOW)
    attacker("DELETE FROM audit_auditevent WHERE seq > %s", [10 - deleted])
    assert services.verify_chain().ok  # what is left is a sound chain, just shorter
    code, out, err = verify()
    assert (code, out) == (1, "")
    assert err == (
        f"anchor check failed: the chain ends at seq {10 - deleted} but the anchor of 2026-11-30T02:00:00.000000Z "
        f"({anchor_file}, line 1) signed 10 events: {says}"
    )


@pytest.mark.django_db
def test_an_altered_anchor_line_is_refused_as_forged(anchor_file, attacker):
    add_events(10)
    anchors.write_anchor(now=NOW)
    attacker("DELETE FROM audit_auditevent WHERE seq > 7")
    # Cover the deletion by lowering the anchor's count and head, without the key to sign it again.
    [line] = lines(anchor_file)
    line.update(events=7, head=AuditEvent.objects.get(seq=7).hash)
    anchor_file.write_text(json.dumps(line) + "\n")
    code, out, err = verify()
    assert (code, out) == (1, "")
    assert err == f"anchor check failed: {anchor_file}, line 1: the signature does not match: the anchor was forged or altered"


@pytest.mark.django_db
def test_an_anchor_signed_with_another_key_is_refused(anchor_file, attacker):
    add_events(10)
    anchors.write_anchor(now=NOW)
    rewrite_chain_from(1, attacker)
    # A fresh anchor of the rewritten chain, signed with a key the attacker made up, appended.
    anchors.write_anchor(now=LATER, key="an-attackers-own-key-that-is-long-enough", path=anchor_file.parent / "x.jsonl")
    forged = (anchor_file.parent / "x.jsonl").read_text()
    with anchor_file.open("a") as file:
        file.write(forged)
    code, _, err = verify()
    assert code == 1
    assert err.startswith(f"anchor check failed: {anchor_file}, line 2 is signed with another key (key id ")
    assert err.endswith("the line was forged, or the key was changed")


@pytest.mark.django_db
def test_a_line_that_is_not_an_anchor_is_named(anchor_file):
    add_events(2)
    anchors.write_anchor(now=NOW)
    with anchor_file.open("a") as file:
        file.write('{"events": 2}\n')
    assert verify()[2] == f"anchor check failed: {anchor_file}, line 2 is not an anchor (not the fields of an anchor)"


@pytest.mark.django_db
def test_anchors_are_not_checked_without_the_key(anchor_file, settings):
    add_events(2)
    anchors.write_anchor(now=NOW)
    settings.ISG_AUDIT_ANCHOR_KEY = ""
    code, _, err = verify()
    assert code == 1
    assert err == f"anchor check failed: {anchor_file} holds anchors but ISG_AUDIT_ANCHOR_KEY is not set to check them"


@pytest.mark.django_db
def test_verify_without_an_anchor_file_says_so_and_still_checks_the_chain(tmp_path, settings, attacker):
    settings.ISG_AUDIT_ANCHOR_PATH = tmp_path / "anchors.jsonl"
    add_events(3)
    code, out, err = verify()
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == (
        f"not anchored: no anchor file at {tmp_path / 'anchors.jsonl'} yet; the chain was checked on its own, "
        "so deleting its newest events or rewriting all of it would not show; run `manage.py audit anchor`"
    )
    attacker("UPDATE audit_auditevent SET subject_id = 'decision-9' WHERE seq = 2")
    code, out, err = verify()
    assert (code, out) == (1, "")
    assert err.startswith("broken at seq 2 (id ") and "content changed" in err


@pytest.mark.django_db
def test_verify_checks_the_anchor_file_named_on_the_command_line(tmp_path, attacker):
    elsewhere = tmp_path / "copied-off-the-host.jsonl"  # the settings' own file does not exist in the tests
    add_events(4)
    anchors.write_anchor(now=NOW, path=elsewhere)
    code, out, _ = verify("--anchors", str(elsewhere))
    assert code == 0 and out.splitlines()[-1].startswith(f"ok 1 anchor in {elsewhere}, ")
    attacker("DELETE FROM audit_auditevent WHERE seq = 4")
    code, _, err = verify("--anchors", str(elsewhere))
    assert code == 1
    assert err.endswith(f"({elsewhere}, line 1) signed 4 events: the newest event (seq 4) was deleted")


@pytest.mark.django_db
def test_an_anchored_empty_chain_verifies_and_later_events_extend_it(anchor_file):
    anchor = anchors.write_anchor(now=NOW)
    assert (anchor.events, anchor.last_id, anchor.head) == (0, None, GENESIS)
    add_events(2)
    code, out, _ = verify()
    assert code == 0 and out.splitlines()[-1].endswith("is 0 events, head 0000000000000000")


@pytest.mark.django_db
def test_a_restored_backup_is_checked_against_the_anchors_signed_before_it_was_taken(anchor_file, attacker):
    add_events(5)
    anchors.write_anchor(now=NOW)
    add_events(3)
    anchors.write_anchor(now=LATER)
    attacker("DELETE FROM audit_auditevent WHERE seq > 5")  # as a backup taken between the two anchors
    assert verify()[0] == 1  # against every anchor: the three events after the backup are missing
    code, out, err = verify("--anchored-before", "20261130T120000Z")  # as in the name backup.sh gives a dump
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].endswith("is 5 events, head " + AuditEvent.objects.get(seq=5).hash[:16]
                                         + " (1 later one signed, not checked against the chain: after the time given)")
    # A backup missing an event anchored before it was taken still fails, and so does a forged later line.
    attacker("DELETE FROM audit_auditevent WHERE seq = 5")
    assert "the newest event (seq 5) was deleted" in verify("--anchored-before", "2026-11-30T12:00:00Z")[2]
    anchor_file.write_text(anchor_file.read_text().replace('"events":8', '"events":4'))
    assert verify("--anchored-before", "2026-11-30T12:00:00Z")[2].endswith(
        "line 2: the signature does not match: the anchor was forged or altered"
    )
