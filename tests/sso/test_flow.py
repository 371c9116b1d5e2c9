"""Single sign-on through the stand-in provider over HTTP: accounts, mapping, refusals, audit."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from isg.accounts.models import User
from isg.audit.models import AuditEvent
from isg.audit.services import verify_chain
from isg.sso.models import SSOIdentity
from tests.factories import PASSWORD, make_user

from .flow import approve, callback, sign_in, start, with_param

pytestmark = pytest.mark.django_db


def alice(**claims) -> dict:
    return {"sub": "alice-0001", "given_name": "Alice", "family_name": "Adams", "email": "alice@north.example",
            "groups": ["isg-north-practitioners", "everyone"], **claims}


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def sso_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# -- signing in ---------------------------------------------------------------------------------

def test_first_sign_in_makes_an_account_from_the_claims_and_lands_on_the_role_home(sso):
    client = Client()
    response = sign_in(client, sso.provider, alice(groups=["isg-north-managers"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")  # a line manager's: Approvals if any wait, else their decisions
    user = signed_in_user(client)
    assert user is not None
    assert (user.role, user.agency) == (User.Role.LINE_MANAGER, sso.north)
    assert (user.first_name, user.last_name, user.email) == ("Alice", "Adams", "alice@north.example")
    assert user.username.startswith("sso-") and "alice" not in user.username
    assert not user.has_usable_password()
    assert not (user.is_staff or user.is_superuser)
    identity = SSOIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (sso.provider.issuer, "alice-0001")
    assert identity.last_login_at is not None
    # The session says how it was signed in: the second-factor check exempts exactly this path.
    assert client.session[BACKEND_SESSION_KEY] == "isg.sso.backend.OIDCBackend"
    assert client.get(reverse("decisions:mine")).status_code == 200

    [event] = sso_events(AuditEvent.Action.SSO_SIGNED_IN)
    assert (event.actor_id, event.subject_type, event.subject_id) == (user.pk, "user", str(user.pk))
    assert event.payload == {"created": True, "role": "line_manager", "agency": sso.north.pk}
    # The relying party authenticated itself and proved the PKCE verifier.
    [token_request] = sso.provider.token_requests
    assert token_request["client_secret"] and token_request["code_verifier"]
    assert sso.provider.userinfo_requests == 1


def test_the_second_sign_in_refreshes_role_agency_and_name_from_the_provider(sso):
    first = Client()
    sign_in(first, sso.provider, alice())
    user = signed_in_user(first)
    assert (user.role, user.agency) == (User.Role.PRACTITIONER, sso.north)

    second = Client()
    response = sign_in(second, sso.provider, alice(groups=["isg-south-practitioners"], family_name="Smith"))

    assert response.status_code == 302
    again = signed_in_user(second)
    assert again.pk == user.pk
    assert (again.role, again.agency, again.last_name) == (User.Role.PRACTITIONER, sso.south, "Smith")
    assert User.objects.count() == 1 and SSOIdentity.objects.count() == 1
    payloads = [e.payload for e in sso_events(AuditEvent.Action.SSO_SIGNED_IN)]
    assert payloads == [{"created": True, "role": "practitioner", "agency": sso.north.pk},
                        {"created": False, "role": "practitioner", "agency": sso.south.pk}]
    assert verify_chain().ok


@pytest.mark.parametrize(("groups", "role", "agency", "home"), [
    (["isg-lscb"], User.Role.PARTNERSHIP, None, "register:list"),
    (["isg-trainers"], User.Role.TRAINER, None, "casestudies:library"),
    # Two role groups: the first in the map's order wins (managers are listed before practitioners).
    (["isg-north-practitioners", "isg-north-managers"], User.Role.LINE_MANAGER, "north", "decisions:mine"),
    # An agency from one group and a role from another.
    (["staff-north", "isg-lscb"], User.Role.PARTNERSHIP, "north", "register:list"),
])
def test_groups_map_to_role_and_agency(sso, groups, role, agency, home):
    client = Client()
    response = sign_in(client, sso.provider, alice(groups=groups))
    user = signed_in_user(client)
    assert (user.role, user.agency.slug if user.agency else None) == (role, agency)
    assert client.get(response["Location"], follow=True).redirect_chain[-1:] in ([], [(reverse(home), 302)])
    assert client.get(reverse(home)).status_code == 200


def test_without_a_userinfo_endpoint_the_id_token_claims_are_enough(sso, settings):
    settings.OIDC_OP_USER_ENDPOINT = ""
    client = Client()
    assert sign_in(client, sso.provider, alice(groups=["isg-lscb"]))["Location"] == reverse("home")
    assert signed_in_user(client).role == User.Role.PARTNERSHIP
    assert sso.provider.userinfo_requests == 0


def test_a_safe_next_is_followed_and_another_site_is_not(sso):
    client = Client()
    glossary = reverse("flowchart:glossary")
    assert sign_in(client, sso.provider, alice(), next_url=glossary)["Location"] == glossary
    other = Client()
    assert sign_in(other, sso.provider, alice(), next_url="https://evil.example/")["Location"] == reverse("decisions:mine")


# -- refusals: not set up, switched off -----------------------------------------------------------

@pytest.mark.parametrize(("groups", "reason"), [
    ([], "unmapped"),
    (["finance", "everyone"], "unmapped"),
    (["staff-north"], "unmapped"),  # an agency but no role
    (["isg-roleless-practitioners"], "unmapped"),  # a practitioner must belong to an agency
    (["isg-north-practitioners", "isg-south-practitioners"], "ambiguous_agency"),
    (["isg-ghost-agency"], "unknown_agency"),  # the map names an agency ISG does not have
])
def test_claims_that_map_to_no_place_are_refused_and_no_account_is_made(sso, groups, reason):
    client = Client()
    response = sign_in(client, sso.provider, alice(groups=groups))

    assert response.status_code == 403
    page = response.content.decode()
    assert "Your organisation account is not set up for this service" in page
    assert "IT service desk" in page
    assert User.objects.count() == 0 and SSOIdentity.objects.count() == 0
    assert signed_in_user(client) is None
    assert client.get(reverse("decisions:mine"))["Location"].startswith(reverse("accounts:login"))
    [event] = sso_events(AuditEvent.Action.SSO_REFUSED)
    assert event.actor_id is None and event.subject_type == "sso_identity"
    assert event.payload == {"reason": reason}
    # No personal data on the chain: not the provider's id, name or email.
    stored = f"{event.subject_id} {event.payload}"
    assert not any(secret in stored for secret in ("alice", "Alice", "Adams", "north.example"))


def test_a_known_user_whose_groups_are_gone_is_refused_and_keeps_their_account(sso):
    sign_in(Client(), sso.provider, alice())
    user = User.objects.get()

    client = Client()
    response = sign_in(client, sso.provider, alice(groups=["everyone"]))

    assert response.status_code == 403
    assert signed_in_user(client) is None
    user.refresh_from_db()
    assert (user.role, user.agency) == (User.Role.PRACTITIONER, sso.north)
    [event] = sso_events(AuditEvent.Action.SSO_REFUSED)
    assert (event.subject_type, event.subject_id, event.payload) == ("user", str(user.pk), {"reason": "unmapped"})


def test_a_deactivated_isg_account_stays_refused_whatever_the_provider_says(sso):
    sign_in(Client(), sso.provider, alice())
    user = User.objects.get()
    user.is_active = False
    user.save()

    client = Client()
    response = sign_in(client, sso.provider, alice(groups=["isg-north-managers"]))

    assert response.status_code == 403
    assert "Your account has been switched off" in response.content.decode()
    assert signed_in_user(client) is None
    user.refresh_from_db()
    assert not user.is_active and user.role == User.Role.PRACTITIONER  # nothing refreshed
    [event] = sso_events(AuditEvent.Action.SSO_REFUSED)
    assert (event.subject_id, event.payload) == (str(user.pk), {"reason": "inactive"})


def test_switching_off_an_sso_account_ends_its_session(sso):
    client = Client()
    sign_in(client, sso.provider, alice())
    assert client.get(reverse("decisions:mine")).status_code == 200
    User.objects.filter(pk=signed_in_user(client).pk).update(is_active=False)  # not even the save signal
    assert client.get(reverse("decisions:mine"))["Location"].startswith(reverse("accounts:login"))


def test_a_local_account_with_the_same_email_and_username_is_never_taken_over(sso):
    local = make_user(username="alice", email="alice@north.example", agency=sso.north,
                      role=User.Role.LINE_MANAGER)

    client = Client()
    sign_in(client, sso.provider, alice(preferred_username="alice"))

    user = signed_in_user(client)
    assert user.pk != local.pk
    assert User.objects.count() == 2
    local.refresh_from_db()
    assert local.has_usable_password() and local.check_password(PASSWORD)
    assert local.role == User.Role.LINE_MANAGER
    assert not SSOIdentity.objects.filter(user=local).exists()


def test_an_sso_account_gets_no_password_reset_email(sso):
    """Its password is unusable: a reset link would give it a local password behind the provider's back."""
    sign_in(Client(), sso.provider, alice())
    mail.outbox.clear()
    Client().post(reverse("accounts:password-reset"), {"email": "alice@north.example"})
    assert mail.outbox == []


def test_local_sign_in_still_works_beside_sso(sso):
    local = make_user(username="lee", agency=sso.north)
    client = Client()
    page = client.get(reverse("accounts:login")).content.decode()
    assert "Sign in with your organisation account" in page
    assert 'href="/sso/authenticate/"' in page

    response = client.post(reverse("accounts:login"), {"username": "lee", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user(client) == local
    assert client.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"


# -- refusals: the exchange itself ----------------------------------------------------------------

def test_a_tampered_state_is_refused_before_the_provider_is_asked(sso):
    client = Client()
    sso.provider.identity = alice()
    back = approve(start(client, sso.provider))

    response = callback(client, with_param(back, "state", "forged-state"))

    assert response.status_code == 400
    assert "You could not be signed in" in response.content.decode()
    assert signed_in_user(client) is None
    assert sso.provider.token_requests == []
    assert User.objects.count() == 0
    # The forged state spent nothing: the genuine answer still signs in, once.
    assert callback(client, back).status_code == 302


def test_a_callback_from_another_browser_and_a_replayed_callback_are_refused(sso):
    starter = Client()
    sso.provider.identity = alice()
    back = approve(start(starter, sso.provider))

    stranger = Client()
    assert callback(stranger, back).status_code == 400  # the state is not in this browser's session
    assert signed_in_user(stranger) is None

    assert callback(starter, back).status_code == 302
    assert callback(starter, back).status_code == 400  # the state was spent by the first use
    assert len(sso_events(AuditEvent.Action.SSO_SIGNED_IN)) == 1


def test_a_sign_in_left_at_the_provider_too_long_is_refused(sso, monkeypatch):
    client = Client()
    sso.provider.identity = alice()
    back = approve(start(client, sso.provider))
    later = time.time() + 11 * 60
    monkeypatch.setattr("isg.sso.views.time.time", lambda: later)
    assert callback(client, back).status_code == 400
    assert signed_in_user(client) is None and sso.provider.token_requests == []


def test_a_replayed_code_is_refused_by_the_provider(sso):
    first = Client()
    sso.provider.identity = alice()
    used = approve(start(first, sso.provider))
    assert callback(first, used).status_code == 302

    attacker = Client()
    fresh = approve(start(attacker, sso.provider))
    stolen_code = used.split("code=")[1].split("&")[0]
    response = callback(attacker, with_param(fresh, "code", stolen_code))

    assert response.status_code == 400
    assert signed_in_user(attacker) is None
    [event] = sso_events(AuditEvent.Action.SSO_REFUSED)
    assert event.payload == {"reason": "provider_error"}


@pytest.mark.parametrize("tamper", [
    "rogue_key", "issuer", "audience", "nonce", "expired", "no_subject",
])
def test_an_id_token_that_fails_a_check_is_refused(sso, tamper):
    provider = sso.provider
    if tamper == "rogue_key":
        provider.sign_with_rogue_key = True  # the published kid, another key: a bad signature
    else:
        provider.id_token_overrides = {
            "issuer": {"iss": "http://127.0.0.1:1"},
            "audience": {"aud": "someone-elses-client"},
            "nonce": {"nonce": "not-the-nonce-isg-sent"},
            "expired": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
            "no_subject": {"sub": None},
        }[tamper]
    client = Client()
    response = sign_in(client, provider, alice())

    assert response.status_code == 400
    assert "You could not be signed in" in response.content.decode()
    assert signed_in_user(client) is None
    assert User.objects.count() == 0
    [event] = sso_events(AuditEvent.Action.SSO_REFUSED)
    assert (event.subject_id, event.payload) == ("unverified", {"reason": "bad_token"})


def test_userinfo_about_someone_else_is_refused(sso):
    sso.provider.userinfo_overrides = {"sub": "mallory-0002", "groups": ["isg-north-managers"]}
    client = Client()
    response = sign_in(client, sso.provider, alice())
    assert response.status_code == 400
    assert User.objects.count() == 0
    assert sso_events(AuditEvent.Action.SSO_REFUSED)[0].payload == {"reason": "identity_mismatch"}


def test_a_wrong_client_secret_is_refused(sso, settings):
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    client = Client()
    assert sign_in(client, sso.provider, alice()).status_code == 400
    assert signed_in_user(client) is None


def test_the_provider_saying_no_is_a_failed_sign_in(sso):
    client = Client()
    sso.provider.identity = alice()
    back = approve(start(client, sso.provider))
    state = back.split("state=")[1].split("&")[0]
    response = client.get(reverse("sso:callback"), {"error": "access_denied", "state": state})
    assert response.status_code == 400
    assert sso_events(AuditEvent.Action.SSO_REFUSED)[0].payload == {"reason": "cancelled"}


# -- off unless configured ------------------------------------------------------------------------

def test_without_configuration_there_is_no_button_and_the_urls_are_404(db):
    client = Client()
    page = client.get(reverse("accounts:login")).content.decode()
    assert "organisation account" not in page
    assert client.get(reverse("sso:start")).status_code == 404
    assert client.get(reverse("sso:callback"), {"state": "x", "code": "y"}).status_code == 404
