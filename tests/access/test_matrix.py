"""AC-1/AC-2/AC-3: every URL pattern x every principal x (GET, htmx GET, POST), against ONE table.

The expected status is derived from isg/access/rules.py (RULES) and isg/access/services.py (who
may do what to which record); nothing here restates the table. Every response is also searched
for the canaries planted in the records the principal may not see. A URL pattern without a row
fails here (and in `manage.py check`).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import resolve, reverse

from isg.access.rules import rule_for
from isg.access.services import decisions_visible_to, may
from isg.access.urlwalk import iter_routes
from isg.accounts.two_factor_middleware import OPEN_BEFORE_CODE
from isg.casestudies.services import current_library

from .conftest import CODE_OWED, PRINCIPALS

pytestmark = pytest.mark.django_db

ROUTES = list(iter_routes())
METHODS = ("get", "htmx", "post")
SIGN_IN = "/accounts/login/?next="  # the login middleware's redirect (signing out goes to the bare page)
ADMIN_SIGN_IN = "/admin/login/?next="  # Django's admin asks for its own sign-in (the same lockout form)
TWO_FACTOR = "/accounts/two-factor/"  # the code page (or set-up page) a session owing its code is sent to
PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def test_the_walk_finds_every_app_and_the_admin():
    names = {route.name for route in ROUTES}
    assert {"home", "decisions:question", "casestudies:train-step", "flowchart:glossary", "admin:index"} <= names
    assert len(ROUTES) > 40


def record_names(route) -> list[str | None]:
    """A record URL is walked once per record; other URLs once."""
    return ["draft", "submitted"] if "<uuid:public_id>" in route.route else [None]


def kwarg_values(world, route, record: str | None) -> dict[str, str]:
    """A real value for every placeholder a URL pattern has (add one here for a new kind of id)."""
    decision = world.records[record or "draft"]
    case = current_library().cases[0]
    practitioner = world.users["practitioner"]
    if record == "draft":
        index, node = len(decision.path), decision.current_node  # the open question
    else:
        index, node = 0, "start"
    # Admin object ids: the practitioner for user pages, their agency for agency pages.
    if "/accounts/user/" in route.route:
        object_id = practitioner.pk
    elif "/agencies/agency/" in route.route:
        object_id = world.agency.pk
    else:
        object_id = 1
    # The People pages: the practitioner, or the manager and their away period on the away pages.
    person = world.users["manager"] if "<int:period_id>" in route.route else practitioner
    return {
        "user_id": str(person.pk), "period_id": str(away_period(world).pk), "change_id": str(access_change(world).pk),
        "agency_id": str(world.agency.pk), "organisation_id": str(organisation(world).pk),
        "job_id": str(export_job(world).public_id), "follow_up_id": str(follow_up(world).pk),  # an export job of the LSCB's (isg/exports)
        "public_id": str(decision.public_id), "index": str(index), "node_id": node,
        "case_id": case.id, "walk_id": case.walks[0].id, "number": "1",
        "uidb64": "MQ", "token": "set-password",
        "object_id": str(object_id), "id": str(practitioner.pk),
        "content_type_id": str(ContentType.objects.get_for_model(type(practitioner)).pk),
        "app_label": "accounts", "url": "no-such-admin-page/",
    }


def export_job(world):
    """The LSCB's export job: a job URL is its requester's alone, 404 to anyone else (isg/exports)."""
    from django.utils import timezone

    from isg.exports.models import ExportJob

    job = ExportJob.objects.filter(requester=world.users["lscb"]).first()
    return job or ExportJob.objects.create(requester=world.users["lscb"], kind="csv", expires_at=timezone.now())


def follow_up(world):
    """The practitioner's follow-up on their submitted decision: a task URL is its owner's alone, 404 to anyone else."""
    import datetime

    from django.utils import timezone

    from isg.followups.models import FollowUp

    practitioner = world.users["practitioner"]
    return FollowUp.objects.filter(owner=practitioner).first() or FollowUp.objects.create(
        decision=world.records["submitted"], kind=FollowUp.Kind.REVIEW, owner=practitioner, created_by=practitioner,
        due_at=timezone.now() + datetime.timedelta(days=7))


def away_period(world):
    """The manager's away period, from tomorrow (so it hands nothing over while the walk runs)."""
    import datetime

    from django.utils import timezone

    from isg.accounts.models import AwayPeriod

    manager = world.users["manager"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return AwayPeriod.objects.filter(user=manager).first() or AwayPeriod.objects.create(user=manager, starts_on=tomorrow)


def access_change(world):
    """A change to the practitioner waiting for a second person (isg/accounts/access_changes.py)."""
    from isg.accounts.models import AccessChange

    practitioner = world.users["practitioner"]
    return AccessChange.objects.filter(person=practitioner).first() or AccessChange.objects.create(
        person=practitioner, requested_by=world.users["admin"], changes={"role": ["practitioner", "line_manager"]})


def organisation(world):
    from isg.directory.models import Organisation

    return Organisation.objects.filter(agency=world.agency).first() or Organisation.objects.create(
        name=world.agency.name, kind=Organisation.Kind.MEMBER_AGENCY, agency=world.agency)


def url_for(world, route, record) -> str:
    values = kwarg_values(world, route, record)

    def fill(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        assert name in values, f"{route.route}: add a value for <{name}> to kwarg_values"
        return values[name]

    url = "/" + PLACEHOLDER.sub(fill, route.route).replace("^", "").replace("$", "")
    match = resolve(url)
    assert match.route == route.route.replace("^", "").replace("$", "") or match.url_name == route.pattern.name, url
    return url


def csrf_token(client: Client) -> str:
    """The token a real page gives (the password-reset form renders one for everybody)."""
    client.get(reverse("accounts:password-reset"))
    return client.cookies["csrftoken"].value


def expectation(user, rule, decision, owner=None, code_owed=False, view_name="") -> str:
    """What RULES and the record rules say this principal gets: any, login, code, 403, 404 or allowed."""
    if rule.public:
        return "any"
    if user is None:
        return "login"
    if code_owed and view_name not in OPEN_BEFORE_CODE:
        return "code"  # the second factor first, whatever the role (isg/accounts/two_factor_middleware.py)
    if not rule.allows_role(user):
        return "404" if rule.record else "403"
    if rule.record and not may(user, decision, rule.action):
        return "404"
    if owner is not None and user != owner:
        return "404"  # an export job is its requester's alone; a follow-up, its owner's
    return "allowed"


def verdict(expected: str, response, method: str, staff_route: bool) -> str | None:
    """None when the response is what was expected; otherwise what went wrong."""
    status = response.status_code
    location = response.get("Location", "") or response.get("HX-Redirect", "")
    if status >= 500:
        return f"server error {status}"
    if expected == "any":
        return None
    if expected == "login":
        sign_in = (SIGN_IN, ADMIN_SIGN_IN) if staff_route else SIGN_IN
        if method == "htmx":
            ok = status == 200 and response.get("HX-Redirect", "").startswith(sign_in)
        else:
            ok = status == 302 and location.startswith(sign_in)
        return None if ok else f"expected the sign-in redirect, got {status} {location}"
    if expected == "code":
        if method == "htmx":
            ok = status == 200 and response.get("HX-Redirect", "").startswith(TWO_FACTOR)
        else:
            ok = status == 302 and location.startswith(TWO_FACTOR)
        return None if ok else f"expected the second-factor redirect, got {status} {location}"
    if expected in ("403", "404"):
        return None if str(status) == expected else f"expected {expected}, got {status} {location}"
    # allowed: the view answers for itself. Django's admin may refuse or 404 by its own rules.
    if staff_route:
        return None
    if status in (401, 403, 404) or location.startswith(SIGN_IN):
        return f"expected access, got {status} {location}"
    return None


def request(client: Client, method: str, url: str, decision) -> object:
    if method == "get":
        return client.get(url)
    if method == "htmx":
        return client.get(url, headers={"HX-Request": "true"})
    token = csrf_token(client)
    revision = decision.revision if decision is not None else 0
    return client.post(url, {"csrfmiddlewaretoken": token, "revision": revision, "answer": "yes"})


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name or r.route)
def test_every_principal_gets_what_the_rules_say_and_no_canary_leaks(route, world):
    failures = []
    for record in record_names(route):
        url = url_for(world, route, record)
        view_name = resolve(url).view_name
        rule = rule_for(view_name)
        assert rule is not None, f"{view_name} ({route.route}) has no row in isg/access/rules.py RULES"
        staff_route = rule.staff
        for principal in PRINCIPALS:
            user = world.users[principal]
            code_owed = principal in CODE_OWED  # owes the second factor: sees no record at all
            hidden = [world.canaries[name] for name, decision in world.records.items()
                      if user is None or code_owed or not decisions_visible_to(user).filter(pk=decision.pk).exists()]
            for method in METHODS:
                decision = world.records[record] if record else None
                if decision is not None:
                    decision.refresh_from_db()
                client = Client(enforce_csrf_checks=True, raise_request_exception=False)
                if user is not None:
                    client.force_login(user)
                owner = (world.users["lscb"] if "<uuid:job_id>" in route.route
                         else world.users["practitioner"] if "<int:follow_up_id>" in route.route else None)
                expected = expectation(user, rule, decision, owner, code_owed, view_name)
                response = request(client, method, url, decision)
                problem = verdict(expected, response, method, staff_route)
                content = b"".join(response.streaming_content) if response.streaming else response.content
                body = content.decode("utf-8", "replace") + str(response.headers)
                leaked = [c for c in hidden if c in body]
                if leaked:
                    problem = f"{problem or ''} LEAKED a canary of a record {principal} may not see".strip()
                if problem:
                    failures.append(f"{principal:26} {method:5} {url} [{expected}]: {problem}")
    assert not failures, "\n".join(failures)


def test_a_pattern_without_a_row_fails_the_walk(world, settings):
    """The walk asks RULES for every pattern it finds: a new, rowless URL has nothing to match."""
    settings.ROOT_URLCONF = "tests.access.urls_unlisted"
    from isg.access.checks import problems

    routes = list(iter_routes())
    assert any(r.name == "unlisted" for r in routes)
    assert rule_for("unlisted") is None
    assert any("'unlisted'" in p for p in problems())


def test_the_canaries_are_on_the_pages_of_those_who_may_see_them(world):
    """The leak check means something only if the canaries do show where they are allowed."""
    submitted, draft = world.records["submitted"], world.records["draft"]
    outcome = reverse("decisions:outcome", args=[submitted.public_id])
    for principal in ("practitioner", "manager", "lscb"):
        client = Client()
        client.force_login(world.users[principal])
        assert world.canaries["submitted"] in client.get(outcome).content.decode(), principal
    client = Client()
    client.force_login(world.users["practitioner"])
    question = reverse("decisions:question", args=[draft.public_id, 0, "start"])
    assert world.canaries["draft"] in client.get(question).content.decode()


def test_the_matrix_size():
    """Every pattern, every principal, three methods: about the size the checklist expects (AC-2)."""
    cases = sum(len(record_names(route)) for route in ROUTES) * len(PRINCIPALS) * len(METHODS)
    assert cases >= len(ROUTES) * len(PRINCIPALS) * len(METHODS) > 1000


def test_only_the_owner_and_their_line_manager_reach_add_a_follow_up_action(world):
    """The matrix walks the page like every other; this says in words what it should find: the owner
    gets the form (or, on their draft, why not), so does their line manager on a submitted decision;
    everyone else a 404 or the sign-in page."""
    for name in ("submitted", "draft", "other_agency"):
        url = reverse("followups:add-action", args=[world.records[name].public_id])
        for principal in PRINCIPALS:
            client = Client()
            if world.users[principal] is not None:
                client.force_login(world.users[principal])
            response = client.get(url)
            if principal == "anonymous":
                assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)
            elif principal in CODE_OWED:
                assert response.status_code == 302 and response["Location"].startswith(TWO_FACTOR)
            elif (principal, name) in {("practitioner", "submitted"), ("practitioner", "draft"),
                                       ("practitioner_other_agency", "other_agency"),
                                       ("manager", "submitted"), ("manager_other_agency", "other_agency")}:
                page = response.content.decode()
                assert response.status_code == 200, (principal, name)
                assert ("Add the action" in page) == (name != "draft"), (principal, name)
            else:
                assert response.status_code == 404, (principal, name)
