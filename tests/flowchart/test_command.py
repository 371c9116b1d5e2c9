"""`manage.py flowchart validate|walk` and the start-up check, as the spec's command-line contract says."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from isg.engine import load_flowchart

ROOT = Path(__file__).resolve().parents[2]
FLOWCHART = ROOT / "flowchart" / "information-sharing.yaml"


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("flowchart", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exited:
        code = exited.code
    return code, out.getvalue(), err.getvalue()


def broken_copy(tmp_path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(FLOWCHART.read_text(encoding="utf-8").replace("next: statutory_duty", "next: statutory_dutty", 1))
    return path


def test_validate_prints_ok_with_the_version_and_hash():
    code, out, _ = run("validate")
    flowchart = load_flowchart(FLOWCHART)
    assert code == 0
    assert out.strip() == f"ok {flowchart.version} sha256:{flowchart.sha256}"


def test_validate_prints_each_error_as_path_line_reason_and_exits_1(tmp_path):
    path = broken_copy(tmp_path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "statutory_dutty" in text)
    code, _, err = run("validate", str(path))
    assert code == 1
    assert f"{path}:{line}: answer 'yes' of 'purpose' leads to 'statutory_dutty', which is not a node" in err


@pytest.mark.django_db
def test_check_refuses_to_start_with_a_broken_flowchart(tmp_path, settings):
    settings.ISG_FLOWCHART_PATH = broken_copy(tmp_path)
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    assert "isg.E001" in str(caught.value) and "statutory_dutty" in str(caught.value)


def write_answers(tmp_path, steps, suffix=".json") -> str:
    path = tmp_path / f"answers{suffix}"
    path.write_text(json.dumps(steps))
    return str(path)


def test_walk_json_reports_path_state_outcome_and_hash(tmp_path):
    answers = write_answers(tmp_path, [
        {"node": "start", "answer": "asked_to_share", "note": "extra keys are ignored"},
        {"node": "requester_verified", "answer": "yes"},
        {"node": "emergency_check", "answer": "no"}, {"node": "purpose", "answer": "no"},
    ])
    code, out, _ = run("walk", "--answers", answers, "--json")
    result = json.loads(out)
    assert code == 0
    assert result["path"][-1] == {"node": "purpose", "answer": "no"}
    assert result["at"] == "record" and result["complete"] is True
    assert result["outcome"] == "outcome_do_not_share" and result["requires_approval"] is False
    assert result["approval_mode"] == "none"
    assert result["state"] == {"direction": "asked_to_share", "requester_verified": "yes", "emergency": False,
                               "decision": "do_not_share"}
    assert result["flowchart_sha256"] == load_flowchart(FLOWCHART).sha256


def test_walk_reads_yaml_and_presses_the_urgent_button(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text('- {node: start, answer: want_to_share}\n- {node: "*", answer: urgent}\n')
    code, out, _ = run("walk", "--answers", str(path), "--json")
    result = json.loads(out)
    # Who the information is about is asked first, even in an emergency (flowchart.md 8.2).
    assert code == 0 and result["at"] == "consent_from_whom" and result["complete"] is False
    assert result["state"]["emergency"] is True and result["outcome"] is None


def test_an_answer_not_allowed_names_the_node_lists_the_allowed_answers_and_exits_2(tmp_path):
    answers = write_answers(tmp_path, [{"node": "start", "answer": "want_to_share"}, {"node": "emergency_check", "answer": "maybe"}])
    code, _, err = run("walk", "--answers", answers)
    assert code == 2
    assert "emergency_check" in err and "yes, no, not_sure" in err


def test_any_step_after_record_is_an_error_naming_record(tmp_path):
    answers = write_answers(tmp_path, [
        {"node": "start", "answer": "asked_to_share"}, {"node": "requester_verified", "answer": "no"},
        {"node": "*", "answer": "urgent"},
    ])
    code, _, err = run("walk", "--answers", answers)
    assert code == 2 and "'record'" in err


def test_walk_with_another_flowchart_file(tmp_path):
    path = broken_copy(tmp_path)
    answers = write_answers(tmp_path, [{"node": "start", "answer": "asked_to_share"}])
    code, _, err = run("walk", "--answers", answers, "--flowchart", str(path))
    assert code == 1 and "statutory_dutty" in err
