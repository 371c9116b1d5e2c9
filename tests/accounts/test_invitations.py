"""Invitations: an administrator makes an account, the person chooses the password through a one-time link."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from isg.accounts import access_changes, invitations
from isg.accounts.models import Invitation, User
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from tests.accounts.helpers import csrf_client, post, sign_in
from tests.factories import make_agency, make_manager, make_user

pytestmark = pytest.mark.django_db

CHOSEN = "my-own-secret-phrase-2026"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/\?token=([A-Za-z0-9_-]+))")


@pytest.fixture
def boss():
    return make_user(username="boss", role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True)


@pytest.fixture
def agency():
    return make_agency(name="North agency")


def invite_pat(boss, agency, **kwargs) -> Invitation:
    defaults = {"email": "Pat.Smith@North.example.org", "name": "Pat Smith", "role": User.Role.PRACTITIONER,
                "agency": agency, "line_manager": None, "invited_by": boss}
    return invitations.invite(**{**defaults, **kwargs})


def link_in(mail) -> tuple[str, str]:
    match = LINK.search(mail.body)
    assert match, mail.body
    return match.group(1), match.group(2)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# -- the service ---------------------------------------------------------------------------------------

def test_inviting_makes_an_account_nobody_can_sign_in_to_and_emails_a_one_time_link(boss, agency, mailoutbox):
    manager = make_manager(agency=agency)
    invitation = invite_pat(boss, agency, line_manager=manager)
    pat = invitation.user
    assert (pat.username, pat.email, pat.first_name, pat.last_name) == ("pat.smith", "Pat.Smith@north.example.org",
                                                                        "Pat", "Smith")
    assert pat.role == User.Role.PRACTITIONER and pat.agency == agency and pat.line_manager == manager
    assert not pat.has_usable_password() and pat.must_change_password
    assert not pat.is_staff and not pat.is_superuser
    (mail,) = mailoutbox
    assert mail.to == ["Pat.Smith@north.example.org"]
    path, token = link_in(mail)
    assert "72 hours" in mail.body
    for personal in ("Pat", "Smith", "pat.smith", "Practitioner", "North"):
        assert personal not in mail.subject + mail.body.replace(path, "")
    invitation.refresh_from_db()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash is kept
    assert token not in str(Invitation.objects.values())
    assert invitation.expires_at - invitation.sent_at == timedelta(hours=72)
    (sent,) = events("invitation_sent")
    assert sent.actor == boss and sent.subject_id == str(pat.pk)
    assert sent.payload == {"invitation": invitation.pk, "role": "practitioner", "agency": agency.pk, "resent": False}
    assert verify_chain().ok


def test_the_expiry_is_configurable(boss, agency, settings, mailoutbox):
    settings.ISG_INVITATION_EXPIRY_HOURS = 4
    invitation = invite_pat(boss, agency)
    invitation.refresh_from_db()
    assert invitation.expires_at - invitation.sent_at == timedelta(hours=4)
    assert "4 hours" in mailoutbox[0].body


def test_an_address_that_already_has_an_account_is_refused_and_nothing_changes(boss, agency, mailoutbox):
    make_user(username="existing", email="pat.smith@north.example.org")
    users = User.objects.count()
    with pytest.raises(ValidationError) as refused:
        invite_pat(boss, agency, email="PAT.SMITH@north.example.org")
    (error,) = refused.value.error_dict["email"]
    assert error.code == "exists" and "already an account with this email address" in error.message
    assert User.objects.count() == users and mailoutbox == [] and events("invitation_sent") == []


@pytest.mark.parametrize("kwargs, field, message", [
    ({"agency": None}, "agency", "Choose the agency they work for"),
    ({"role": "wizard"}, "role", "Choose their role"),
    ({"name": ""}, "name", "Enter their full name"),
    ({"name": "Pat\u202eSmith"}, "name", "text-direction"),
    ({"email": "not-an-address"}, "email", "correct format"),
    ({"username": "\u0430dmin"}, "username", "one alphabet"),
    ({"username": "bad name!"}, "username", "Use only letters"),
])
def test_bad_details_are_explained_by_field(boss, agency, kwargs, field, message, mailoutbox):
    kwargs = {"agency": agency, **kwargs}
    with pytest.raises(ValidationError) as refused:
        invite_pat(boss, kwargs.pop("agency"), **kwargs)
    assert message in " ".join(refused.value.message_dict[field])
    assert not User.objects.filter(email__iexact="pat.smith@north.example.org").exists() and mailoutbox == []


def test_a_line_manager_from_another_agency_is_refused(boss, agency):
    elsewhere = make_manager(agency=make_agency())
    with pytest.raises(ValidationError) as refused:
        invite_pat(boss, agency, line_manager=elsewhere)
    assert "same agency" in refused.value.message_dict["line_manager"][0]


def test_roles_outside_agencies_get_no_agency_and_nobody_invited_is_django_staff(boss, agency):
    trainer = invite_pat(boss, agency, role=User.Role.TRAINER).user
    assert trainer.agency is None and not trainer.is_staff
    # Administrators use ISG's own People pages; Django's admin is for technical superusers only.
    admin = invite_pat(boss, agency, email="al@example.org", name="Al", role=User.Role.ADMIN).user
    assert not admin.is_staff and not admin.is_superuser and admin.first_name == "Al" and admin.last_name == ""


def test_usernames_from_addresses_are_made_unique_and_unlike_others(boss, agency):
    make_user(username="pat.smith")
    make_user(username="pat.srnith2")  # looks like "pat.smith2"
    assert invite_pat(boss, agency).user.username == "pat.smith3"
    assert invite_pat(boss, agency, email="x@example.org", username="Chosen.Name").user.username == "chosen.name"


# -- following the link ---------------------------------------------------------------------------------

def test_following_the_link_the_person_chooses_a_password_and_is_signed_in(boss, agency, mailoutbox):
    invitation = invite_pat(boss, agency)
    path, token = link_in(mailoutbox[0])
    client = csrf_client()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == "/accounts/invitation/accept/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert token not in html and token not in page.request["PATH_INFO"]  # gone from the address bar
    assert "Set up your account" in html and ">pat.smith<" in html and 'autocomplete="new-password"' in html
    response = post(client, "/accounts/invitation/accept/", {"new_password1": CHOSEN, "new_password2": CHOSEN})
    assert response.status_code == 302 and response["Location"] == "/decisions/"
    assert client.get("/decisions/").status_code == 200  # signed in
    pat = User.objects.get(pk=invitation.user_id)
    assert pat.check_password(CHOSEN) and not pat.must_change_password
    (accepted,) = events("invitation_accepted")
    assert accepted.actor == pat and accepted.payload == {"invitation": invitation.pk}
    # And with that password from now on.
    assert sign_in(csrf_client(), "pat.smith", CHOSEN)["Location"] == "/decisions/"
    for event in AuditEvent.objects.all():
        assert token not in str(event.payload) and CHOSEN not in str(event.payload)
    assert verify_chain().ok


def test_the_links_token_stays_out_of_the_request_logs(boss, agency, mailoutbox, caplog):
    invite_pat(boss, agency)
    path, token = link_in(mailoutbox[0])
    client = csrf_client()
    with caplog.at_level(logging.INFO, logger="isg.request"):
        client.get(path)
        client.get("/accounts/invitation/accept/")
    logged = [f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name == "isg.request"]
    assert any("/accounts/invitation/" in line for line in logged)
    assert not any(token in line for line in logged)


def confirm_held(invitation: Invitation) -> None:
    second = make_user(username="second-admin", role=User.Role.ADMIN, agency=None)
    access_changes.access_change_confirm(change=invitation.waits_for, actor=second)


def invitation_mails(mailoutbox) -> list:
    return [mail for mail in mailoutbox if LINK.search(mail.body)]


def test_a_role_that_reads_case_records_is_invited_only_once_a_second_person_confirms(boss, agency, mailoutbox):
    """The probe: one administrator invited an address they controlled as partnership staff and read every decision."""
    invitation = invitations.invite(email="lee@lscb.example.org", name="Lee Jones", role=User.Role.PARTNERSHIP,
                                    invited_by=boss)
    lee = User.objects.get(pk=invitation.user_id)
    assert invitations.is_held(invitation) and not lee.is_active and not invitation_mails(mailoutbox)
    assert invitation.waits_for.requested_by == boss and invitation.waits_for.changes == {"is_active": [False, True]}
    with pytest.raises(PermissionDenied):  # not by the administrator who invited
        access_changes.access_change_confirm(change=invitation.waits_for, actor=boss)
    assert not invitation_mails(mailoutbox)

    confirm_held(invitation)
    lee.refresh_from_db()
    assert lee.is_active and len(invitation_mails(mailoutbox)) == 1
    invitation.refresh_from_db()
    assert invitation.superseded_at is not None  # the link sent is a fresh invitation, its hours from now
    sent = Invitation.objects.get(user=lee, superseded_at__isnull=True)
    assert sent.sent_at is not None and sent.invited_by == boss
    # A practitioner needs nobody else: nothing there reads another agency's or another person's cases.
    assert not invitations.is_held(invite_pat(boss, agency))


def test_a_refused_invitation_is_never_sent(boss, agency, mailoutbox):
    invitation = invite_pat(boss, agency, email="mo@north.example.org", name="Mo Manager",
                            role=User.Role.LINE_MANAGER)
    second = make_user(username="second-admin", role=User.Role.ADMIN, agency=None)
    access_changes.access_change_refuse(change=invitation.waits_for, actor=second)
    assert not User.objects.get(pk=invitation.user_id).is_active and not invitation_mails(mailoutbox)


def test_a_role_that_needs_a_second_factor_sets_up_an_app_before_anything_else(boss, mailoutbox):
    invitation = invitations.invite(email="lee@lscb.example.org", name="Lee Jones", role=User.Role.PARTNERSHIP,
                                    invited_by=boss)
    confirm_held(invitation)
    client = csrf_client()
    client.get(link_in(invitation_mails(mailoutbox)[0])[0])
    response = post(client, "/accounts/invitation/accept/", {"new_password1": CHOSEN, "new_password2": CHOSEN})
    landing = client.get(response["Location"])
    assert landing["Location"].startswith("/accounts/two-factor/set-up/")
    for url in ("/register/", "/dashboard/", "/accounts/", "/accounts/password/"):
        assert client.get(url)["Location"].startswith("/accounts/two-factor/set-up/"), url
    assert "Set up an authenticator app" in client.get("/accounts/two-factor/set-up/").content.decode()


def test_a_weak_password_is_explained_and_the_link_still_works(boss, agency, mailoutbox):
    invitation = invite_pat(boss, agency)
    client = csrf_client()
    client.get(link_in(mailoutbox[0])[0])
    page = post(client, "/accounts/invitation/accept/", {"new_password1": "short", "new_password2": "short"})
    assert page.status_code == 200 and "There is a problem" in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert post(client, "/accounts/invitation/accept/",
                {"new_password1": CHOSEN, "new_password2": CHOSEN}).status_code == 302


def test_a_used_link_shows_a_clear_page_changes_nothing_and_is_audited_once(boss, agency, mailoutbox):
    invitation = invite_pat(boss, agency)
    path, _ = link_in(mailoutbox[0])
    first = csrf_client()
    first.get(path)
    post(first, "/accounts/invitation/accept/", {"new_password1": CHOSEN, "new_password2": CHOSEN})
    for _ in range(2):
        page = csrf_client().get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert "This invitation link no longer works" in html and "already been used" in html
        assert "Nothing has been changed" in html
    pat = User.objects.get(pk=invitation.user_id)
    assert pat.check_password(CHOSEN)
    (refused,) = events("invitation_refused")
    assert refused.actor is None and refused.payload == {"invitation": invitation.pk, "reason": "used"}


def test_an_expired_link_shows_a_clear_page_and_changes_nothing(boss, agency, mailoutbox):
    invitation = invite_pat(boss, agency)
    path, _ = link_in(mailoutbox[0])
    # Opened in time, but the password is sent after the link expired.
    slow = csrf_client()
    slow.get(path)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    page = post(slow, "/accounts/invitation/accept/", {"new_password1": CHOSEN, "new_password2": CHOSEN})
    assert page.status_code == 200 and "has expired" in page.content.decode()
    assert "has expired" in csrf_client().get(path).content.decode()
    pat = User.objects.get(pk=invitation.user_id)
    assert not pat.has_usable_password()
    (refused,) = events("invitation_refused")
    assert refused.payload == {"invitation": invitation.pk, "reason": "expired"}
    assert events("invitation_accepted") == []


def test_an_unknown_link_shows_the_same_clear_page(db):
    page = csrf_client().get("/accounts/invitation/?token=not-a-real-token")
    assert page.status_code == 200 and "This invitation link no longer works" in page.content.decode()
    page = csrf_client().get("/accounts/invitation/")
    assert page.status_code == 200 and "This invitation link no longer works" in page.content.decode()
    page = csrf_client().get("/accounts/invitation/accept/")  # without a link first
    assert "This invitation link no longer works" in page.content.decode()


def test_someone_signed_in_is_asked_to_sign_out_first(boss, agency, mailoutbox, signed_in):
    invitation = invite_pat(boss, agency)
    page = signed_in.get(link_in(mailoutbox[0])[0]).content.decode()
    assert "You are already signed in" in page
    invitation.refresh_from_db()
    assert invitation.accepted_at is None and invitation.refused_at is None


def test_a_new_invitation_replaces_the_old_link(boss, agency, mailoutbox):
    invitation = invite_pat(boss, agency)
    old_path, _ = link_in(mailoutbox[0])
    again = invitations.invitation_resend(user=invitation.user, invited_by=boss)
    new_path, _ = link_in(mailoutbox[1])
    assert "newer invitation" in csrf_client().get(old_path).content.decode()
    client = csrf_client()
    client.get(new_path)
    assert post(client, "/accounts/invitation/accept/",
                {"new_password1": CHOSEN, "new_password2": CHOSEN}).status_code == 302
    assert [e.payload["resent"] for e in events("invitation_sent")] == [False, True]
    again.refresh_from_db()
    assert again.accepted_at is not None
    with pytest.raises(ValidationError) as refused:
        invitations.invitation_resend(user=invitation.user, invited_by=boss)
    assert refused.value.code == "accepted"


def test_someone_never_invited_cannot_be_sent_an_invitation(boss):
    with pytest.raises(ValidationError) as refused:
        invitations.invitation_resend(user=make_user(username="pat"), invited_by=boss)
    assert refused.value.code == "accepted"  # they have a password of their own


def test_a_switched_off_account_gets_no_email_and_its_link_stops_working(boss, agency, mailoutbox):
    invitation = invite_pat(boss, agency)
    path, _ = link_in(mailoutbox[0])
    User.objects.filter(pk=invitation.user_id).update(is_active=False)
    assert "withdrawn" in csrf_client().get(path).content.decode()


# -- the page and the command ------------------------------------------------------------------------

def test_an_administrator_invites_someone_from_the_page(client, boss, agency, mailoutbox):
    client.force_login(boss)
    page = client.get("/admin-pages/people/invite/").content.decode()
    assert "Invite someone" in page and 'name="role"' in page and 'name="agency"' in page
    response = client.post("/admin-pages/people/invite/", {
        "name": "Sam Taylor", "email": "sam@north.example.org", "role": "practitioner", "agency": agency.pk,
        "line_manager": "", "username": "",
    })
    sam = User.objects.get(username="sam")
    assert response.status_code == 302 and response["Location"] == f"/admin-pages/people/{sam.pk}/"
    assert "Invitation sent to sam@north.example.org" in client.get(response["Location"]).content.decode()
    assert sam.agency == agency
    assert len(mailoutbox) == 1


def test_the_page_explains_an_existing_address_and_a_missing_agency(client, boss, agency, mailoutbox):
    make_user(username="sam", email="sam@north.example.org")
    client.force_login(boss)
    page = client.post("/admin-pages/people/invite/", {
        "name": "Sam Taylor", "email": "sam@north.example.org", "role": "practitioner", "agency": "",
    }).content.decode()
    assert "There is a problem" in page and "already an account with this email address" in page
    assert 'href="#id_email"' in page and 'href="#id_agency"' in page
    assert mailoutbox == []


def test_only_administrators_reach_the_invite_page(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/admin-pages/people/invite/").status_code == 403
    assert csrf_client().get("/admin-pages/people/invite/")["Location"].startswith("/accounts/login/")


def test_the_admin_list_offers_invitations_and_sends_new_ones(client, boss, agency, mailoutbox):
    invitation = invite_pat(boss, agency)
    client.force_login(boss)
    assert 'href="/admin-pages/people/invite/"' in client.get("/admin/accounts/user/").content.decode()
    response = client.post("/admin/accounts/user/", {"action": "resend_invitation",
                                                     "_selected_action": [invitation.user_id]})
    assert response.status_code == 302
    assert len(mailoutbox) == 2 and Invitation.objects.filter(user=invitation.user_id).count() == 2


def test_the_invite_command(agency, mailoutbox):
    out = StringIO()
    call_command("invite", "kim@north.example.org", "--name", "Kim Lee", "--role", "practitioner",
                 "--agency", agency.slug, stdout=out)
    assert "Invitation queued for kim@north.example.org (username kim)" in out.getvalue()
    assert len(mailoutbox) == 1
    assert events("invitation_sent")[0].actor is None
    with pytest.raises(CommandError, match="already an account"):
        call_command("invite", "kim@north.example.org", "--name", "Kim Lee", "--role", "trainer")
    call_command("invite", "kim@north.example.org", "--resend", stdout=out)
    assert len(mailoutbox) == 2
