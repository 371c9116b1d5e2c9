"""JSON log lines, one per line, each with the request id; no query strings, case text or usernames."""

import io
import json
import logging
import uuid

import pytest
from django.test import override_settings

from isg.decisions.models import Decision
from isg.ops.logging import JsonFormatter, RequestIdFilter, axes_client_str
from tests.decisions.helpers import answer_current, start_decision
from tests.factories import make_user


@pytest.fixture
def log_lines():
    """The app's console handler as settings.py configures it, on the root logger at INFO."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    def lines(*, clear: bool = False):
        found = [json.loads(line) for line in stream.getvalue().splitlines()]
        if clear:
            stream.seek(0)
            stream.truncate()
        return found

    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def request_lines(lines):
    return [line for line in lines if line["logger"] == "isg.request"]


def test_a_line_is_one_json_object_with_the_fixed_fields():
    record = logging.LogRecord("isg.test", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello world" and line["level"] == "WARNING" and line["logger"] == "isg.test"
    assert line["request_id"] == "-"  # outside a request
    assert line["time"].endswith("Z")


def test_a_value_with_a_newline_cannot_forge_a_second_line():
    forged = 'bob\n{"level":"INFO","message":"login ok"}'
    record = logging.LogRecord("isg.test", logging.INFO, __file__, 1, "login failed for %s", (forged,), None)
    out = JsonFormatter().format(record)
    assert "\n" not in out
    assert json.loads(out)["message"].endswith('"login ok"}')


def test_an_exception_is_logged_by_type_and_place_not_by_its_message():
    try:
        raise ValueError("duplicate key (case_reference)=(CASE-SECRET)")
    except ValueError:
        import sys

        record = logging.LogRecord("isg.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["exc_type"] == "ValueError" and line["stack"]
    assert "CASE-SECRET" not in json.dumps(line)


def test_every_request_gets_an_id_in_its_header_and_its_log_line(client, log_lines):
    response = client.get("/healthz?probe=abc")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = request_lines(log_lines())
    assert line["request_id"] == request_id
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert isinstance(line["duration_ms"], float)
    assert "probe" not in json.dumps(log_lines())


def test_a_proxys_request_id_is_used_only_behind_a_trusted_proxy(client):
    incoming = str(uuid.uuid4())
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] != incoming
    with override_settings(ISG_BEHIND_PROXY=True):
        assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "malformed",
    ["short", "x" * 65, "abc def ghi jkl", 'id"}\n{"level":"ERROR"', "../../etc/passwd", "-leading-dash-1234", "ünïcödé-request-id"],
)
@override_settings(ISG_BEHIND_PROXY=True)
def test_a_malformed_request_id_is_replaced(client, log_lines, malformed):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=malformed)
    assert response["X-Request-ID"] != malformed and len(response["X-Request-ID"]) == 32
    assert request_lines(log_lines())[0]["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_decision_text_query_strings_and_case_references_stay_out_of_the_logs(client, log_lines):
    canary = f"CANARY-{uuid.uuid4().hex}"
    practitioner = make_user(username=f"user-{canary[-8:]}", first_name="Quentin", last_name="Zebedee-Canary")
    client.force_login(practitioner)
    log_lines(clear=True)  # from here on, every line comes from a request
    decision = start_decision(client, case_reference=f"REF-{canary}", summary=f"summary {canary}")
    response = answer_current(client, decision, "no", rationale=f"Rationale holding {canary}")
    assert response.status_code == 302
    decision.refresh_from_db()
    assert canary in json.dumps(decision.path)  # it was recorded ...
    client.get(f"/decisions/?q={canary}")
    client.get(f"/decisions/{decision.public_id}/history/?note={canary}")
    client.get("/decisions/00000000-0000-0000-0000-000000000000/history/")  # a 404 is logged too
    lines = log_lines()
    text = json.dumps(lines)
    assert canary not in text  # ... and never logged
    assert practitioner.username not in text and practitioner.last_name not in text
    requests = request_lines(lines)
    assert [line["method"] for line in requests] == ["POST", "POST", "GET", "GET", "GET"]
    assert all(line["request_id"] != "-" and "?" not in line["path"] for line in requests)
    assert len({line["request_id"] for line in requests}) == len(requests)
    # Every line written during a request carries that request's id.
    assert [line for line in lines if line["request_id"] == "-"] == []
    assert Decision.objects.count() == 1


@pytest.mark.django_db
def test_a_password_reset_links_token_stays_out_of_the_logs(client, log_lines):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = make_user(username="reset-me")
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    log_lines(clear=True)
    response = client.get(f"/accounts/password/reset/{uid}/{token}/")
    assert response.status_code == 302  # to the set-password page, the token kept in the session
    assert client.get(response["Location"]).status_code == 200  # the new-password form
    requests = request_lines(log_lines())
    assert token not in json.dumps(requests)
    # Both lines name the route, not the token (the second's "set-password" stands in the same place).
    assert [line["path"] for line in requests] == [f"/accounts/password/reset/{uid}/[token]/"] * 2


@pytest.mark.django_db
def test_failed_sign_ins_log_no_username(client, log_lines):
    username = f"canary-{uuid.uuid4().hex[:12]}"
    for _ in range(6):  # past the lockout, so django-axes logs the lockout too
        client.post("/accounts/login/", {"username": username, "password": "wrong-password-1"})
    text = json.dumps(log_lines())
    assert "AXES" in text  # axes did log ...
    assert username not in text  # ... without the username


def test_axes_names_only_the_path():
    assert json.loads(axes_client_str("bob", "10.0.0.1", "curl", ("/accounts/login/",), None)) == {"path": "/accounts/login/"}
