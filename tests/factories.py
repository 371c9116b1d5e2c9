"""Test data as plain functions (no factory library)."""

from __future__ import annotations

import itertools

from isg.accounts.models import User
from isg.agencies.models import Agency

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


def make_agency(**kwargs) -> Agency:
    n = next(_counter)
    kwargs.setdefault("name", f"Agency {n}")
    kwargs.setdefault("slug", f"agency-{n}")
    return Agency.objects.create(**kwargs)


def make_user(**kwargs) -> User:
    """A user. `two_factor` (default: whether their role requires one) gives them a confirmed
    authenticator app with TEST_TOTP_KEY, and `force_login(user)` then signs in as verified."""
    n = next(_counter)
    kwargs.setdefault("username", f"user{n}")
    kwargs.setdefault("role", User.Role.PRACTITIONER)
    if "agency" not in kwargs:
        kwargs["agency"] = make_agency()
    password = kwargs.pop("password", PASSWORD)
    two_factor = kwargs.pop("two_factor", None)
    user = User(**kwargs)
    user.set_password(password)
    user.save()
    if two_factor is None:
        from isg.accounts.two_factor import required_for

        two_factor = required_for(user)
    if two_factor:
        give_totp_device(user)
    return user


# -- second factor (isg/accounts/two_factor.py) -----------------------------------------------------
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex


def give_totp_device(user: User):
    """A confirmed authenticator app with the test key. It is also put on `user.otp_device`: django-otp
    then marks the session verified whenever `user` itself is signed in through `login`, as
    `Client.force_login` does (force_login skips the password, and this skips the code alike).
    Set `user.otp_device = None` for a session that still owes its code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="Test app", key=TEST_TOTP_KEY, confirmed=True)
    user.otp_device = device
    return device


def current_code(user: User) -> str:
    """The code the user's app shows now, or the next step's if this step's code was used already
    (django-otp accepts one step ahead and refuses a code it has seen)."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).latest("pk")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t >= totp.t() + device.tolerance:
        raise AssertionError("no unused code is valid yet: wait for the next step")
    if device.last_t >= totp.t():
        totp.time += device.step * (device.last_t - totp.t() + 1)
    return f"{totp.token():0{device.digits}d}"


def make_manager(**kwargs) -> User:
    """A line manager (of `reports`, if given: each report's `line_manager` is set to them)."""
    reports = kwargs.pop("reports", [])
    kwargs.setdefault("role", User.Role.LINE_MANAGER)
    manager = make_user(**kwargs)
    for report in reports:
        report.line_manager = manager
        report.save(update_fields=["line_manager"])
    return manager


def make_decision(owner: User, outcome: str = "outcome_share_with_consent", *, submit: bool = False,
                  case_reference: str = "CASE-001", text: str | None = None, upto: int | None = None):
    """A decision walked through the services (no client) towards `outcome` (a tests/engine/walks.py
    WALKS key), stopping after `upto` answers if given; submitted when `submit`. `text`, if given, is written into the summary and every
    rationale: a canary a page must never show to someone who may not see this decision."""
    from isg.approvals.submission import decision_submit
    from isg.decisions import services
    from isg.flowchart.services import current_flowchart
    from tests.decisions.helpers import FIELD_VALUES
    from tests.engine.walks import EXTRA_WALKS, WALKS

    flowchart = current_flowchart()
    pairs = [pair.split(":") for pair in {**WALKS, **EXTRA_WALKS}[outcome]][:upto]

    def step(node_id: str, answer: str):
        fields = {f.id: FIELD_VALUES[f.id] for f in flowchart.node(node_id).fields if f.id in FIELD_VALUES}
        if text is not None and "summary" in fields:
            fields["summary"] = text
        return services.stored_step(node=node_id, answer=answer, rationale=text or "Because the facts support it",
                                    fields=fields)

    node_id, answer = pairs[0]
    decision = services.decision_start(owner=owner, case_reference=case_reference, step=step(node_id, answer))
    for node_id, answer in pairs[1:]:
        decision.refresh_from_db()
        services.decision_answer(decision=decision, actor=owner, index=len(decision.path),
                                 step=step(node_id, answer), revision=decision.revision)
    decision.refresh_from_db()
    if submit:
        decision_submit(decision=decision, actor=owner, revision=decision.revision)
        decision.refresh_from_db()
    return decision


def make_organisation(name: str, kind: str = "childrens_social_care", **kwargs):
    """An organisation on the partnership's directory (isg/directory)."""
    from isg.directory.models import Organisation

    return Organisation.objects.create(name=name, kind=kind, **kwargs)


def make_share(decision, *, organisation=None, recipient_name: str = "", shared_at=None, recorded_by=None, **kwargs):
    """One recorded share of `decision` (isg/disclosures), written directly: to `organisation` (the
    directory's) or to another organisation named `recipient_name`. For tests of what reads shares
    (the register, the dashboard); tests/disclosures covers recording them through the service."""
    import uuid

    from django.utils import timezone

    from isg.disclosures.models import Share

    kwargs.setdefault("recipient_person", "Duty social worker")
    kwargs.setdefault("method", Share.Method.SECURE_EMAIL)
    kwargs.setdefault("what_shared", "The concerns and the family's address")
    return Share.objects.create(
        decision=decision, organisation=organisation, recipient_name=recipient_name,
        shared_at=shared_at or timezone.now(), recorded_by=recorded_by or decision.owner, token=uuid.uuid4(), **kwargs,
    )
