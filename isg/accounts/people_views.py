"""People pages for administrators (/admin-pages/people/): the list, a person's page, inviting, changing
someone's role, agency, line manager and deputy (checked, then confirmed), switching accounts off and
on, a new invitation, a second factor reset.

Administrators never set anyone's password (invitations only) and never see case content: these
pages show people, their places and counts, never a decision. The work is done by people.py,
access_changes.py, invitations.py and two_factor.py, which audit every change.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import invitations, people, people_display, two_factor
from .access_changes import grants_access
from .line_management import RoutingCheck, left_without_approver, routes_nowhere
from .models import AccessChange, Invitation, User
from .people_forms import InviteForm, PeopleFilterForm, PersonForm

PAGE_SIZE = 50


def _person(user_id: int) -> User:
    person = User.objects.select_related("agency", "line_manager", "deputy").filter(pk=user_id).first()
    if person is None:
        raise Http404("No such person.")
    return person


def _with_status(users):
    """Whether each has accepted an invitation yet, and has a change waiting for confirmation."""
    return users.annotate(
        invited=Exists(Invitation.objects.filter(user=OuterRef("pk"), accepted_at__isnull=True)),
        accepted=Exists(Invitation.objects.filter(user=OuterRef("pk"), accepted_at__isnull=False)),
        change_waiting=Exists(AccessChange.objects.filter(person=OuterRef("pk"), status=AccessChange.Status.WAITING)),
    )


def _search(users, words: str):
    for word in words.split()[:5]:
        users = users.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                             | Q(username__icontains=word) | Q(email__icontains=word))
    return users


@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    """Everyone, filtered by words, agency, role and whether their account is on; 50 a page."""
    form = PeopleFilterForm(request.GET or {"status": "active"})
    wanted = form.filters()
    users = _with_status(User.objects.select_related("agency", "line_manager")).order_by(
        "first_name", "last_name", "username")
    if wanted.get("q"):
        users = _search(users, wanted["q"])
    if wanted.get("agency"):
        users = users.filter(agency=wanted["agency"])
    if wanted.get("role"):
        users = users.filter(role=wanted["role"])
    if wanted["status"] != "all":
        users = users.filter(is_active=wanted["status"] == "active")
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    routing = RoutingCheck()
    for person in page:
        person.routes_nowhere = routing.routes_nowhere(person)
        person.awaiting_setup = person.invited and not person.accepted and not person.has_usable_password()
    return render(request, "accounts/people/list.html", {"form": form, "page": page, "count": page.paginator.count})


@require_GET
def person_page(request: HttpRequest, user_id: int) -> HttpResponse:
    """One person as a summary list, with what may be done to them."""
    person = _person(user_id)
    today = timezone.localdate()
    waiting = AccessChange.objects.filter(person=person, status=AccessChange.Status.WAITING).select_related(
        "requested_by").first()
    invitation = Invitation.objects.filter(user=person).first()
    return render(request, "accounts/people/person.html", {
        "person": person, "today": today,
        "reports": person.direct_reports.filter(is_active=True).order_by("first_name", "username"),
        "deputy_for": User.objects.filter(deputy=person, is_active=True).order_by("first_name", "username"),
        "away_periods": person.away_periods.current_or_coming(today),
        "away_today": person.is_away_on(today),
        "waiting_change": waiting,
        "waiting_rows": people_display.rows(waiting.changes, person=person) if waiting else [],
        "invitation": invitation,
        "invitation_held": invitation is not None and invitations.is_held(invitation),
        "awaiting_setup": invitation is not None and not invitation.accepted_at and not person.has_usable_password(),
        "has_second_factor": two_factor.has_device(person),
        "routes_nowhere": routes_nowhere(person),
    })


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    """Change a person's details: the form, then a page to check the changes, then save (or ask a second
    person to confirm a change that gives access). Everything is posted again at each step."""
    person = _person(user_id)
    if AccessChange.objects.filter(person=person, status=AccessChange.Status.WAITING).exists():
        messages.info(request, f"A change to {person.display_name} is waiting for confirmation: it must be "
                               "confirmed, refused or withdrawn before anything else changes.")
        return redirect("people:person", person.pk)
    if request.method != "POST":
        form = PersonForm(initial=PersonForm.initial_for(person))
        return render(request, "accounts/people/edit.html", {"person": person, "form": form})
    form = PersonForm(request.POST)
    if not form.is_valid() or "back" in request.POST:
        return render(request, "accounts/people/edit.html", {"person": person, "form": form})
    proposed = people.with_role_rules(people.values_of(person) | form.proposed())
    changes = people.changes_between(person, proposed)
    if not changes:
        messages.info(request, f"Nothing was changed: {person.display_name}'s details are as they were.")
        return redirect("people:person", person.pk)
    errors = people.check(person, proposed, set(changes))
    if errors or "confirm" not in request.POST:
        for field, sentences in errors.items():
            for sentence in sentences:
                form.add_error(field if field in form.fields else None, sentence)
        if form.errors:
            return render(request, "accounts/people/edit.html", {"person": person, "form": form})
        return _check_page(request, person, form, changes, proposed)
    return _save(request, person, form)


def _check_page(request: HttpRequest, person: User, form: PersonForm, changes, proposed) -> HttpResponse:
    """“Check the changes”: what changes, and what would follow from it, before anything is saved."""
    after = User(pk=person.pk, **{f"{k}_id" if k in people.FOREIGN_KEYS else k: v for k, v in proposed.items()})
    stops_managing = person.role == User.Role.LINE_MANAGER and (
        proposed["role"] != User.Role.LINE_MANAGER or proposed["agency"] != person.agency_id)
    return render(request, "accounts/people/check_changes.html", {
        "person": person, "form": form, "rows": people_display.rows(changes, person=person),
        "needs_confirmation": grants_access(person, changes),
        "routes_nowhere": routes_nowhere(after),
        "left_without_approver": left_without_approver(person) if stops_managing else [],
        "stops_managing": stops_managing,
    })


def _save(request: HttpRequest, person: User, form: PersonForm) -> HttpResponse:
    try:
        outcome = people.person_update(person=person, proposed=form.proposed(), actor=request.user)
    except ValidationError as error:
        for field, sentences in error.message_dict.items():
            for sentence in sentences:
                form.add_error(field if field in form.fields else None, sentence)
        return render(request, "accounts/people/edit.html", {"person": person, "form": form})
    if outcome.access_change is not None:
        messages.success(request, "The change is waiting for confirmation by another administrator or the "
                                  "partnership lead. Nothing changes until then.")
    elif outcome.changes:
        moved = f" {outcome.handed_over} waiting approval{'s' if outcome.handed_over != 1 else ''} handed over." if (
            outcome.handed_over) else ""
        messages.success(request, f"{person.display_name}'s details have been changed.{moved}")
    return redirect("people:person", person.pk)


@require_http_methods(["GET", "POST"])
def person_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    """Switch an account off: a page saying what follows, then the button."""
    person = _person(user_id)
    if not person.is_active:
        messages.info(request, f"{person.display_name}'s account is already switched off.")
        return redirect("people:person", person.pk)
    if request.method == "POST":
        try:
            outcome = people.person_deactivate(person=person, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("people:person", person.pk)
        moved = outcome.handed_over
        messages.success(request, f"{person.display_name}'s account is switched off and they have been signed out "
                                  f"everywhere. {moved} waiting approval{'s' if moved != 1 else ''} handed over.")
        return redirect("people:person", person.pk)
    return render(request, "accounts/people/deactivate.html", {
        "person": person,
        "left_without_approver": left_without_approver(person),
        "reports": person.direct_reports.filter(is_active=True).count(),
        "is_self": person.pk == request.user.pk,
    })


@require_POST
def person_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    try:
        outcome = people.person_reactivate(person=person, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if outcome.access_change is not None:
            messages.success(request, f"Switching {person.display_name}'s account on again is waiting for "
                                      "confirmation by another administrator or the partnership lead.")
        elif outcome.changes:
            messages.success(request, f"{person.display_name}'s account is switched on again.")
    return redirect("people:person", person.pk)


@require_POST
def person_resend_invitation(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(user_id)
    try:
        invitations.invitation_resend(user=person, invited_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A new invitation has been sent to {person.email}. Earlier links no longer work.")
    return redirect("people:person", person.pk)


@require_http_methods(["GET", "POST"])
def person_reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    """A lost phone: remove their authenticator app (audited; it signs them out everywhere)."""
    person = _person(user_id)
    if request.method == "POST":
        if two_factor.remove(person, actor=request.user, by="admin"):
            messages.success(request, f"{person.display_name}'s second factor has been reset and they have been "
                                      "signed out everywhere. They set up a new authenticator app at their next "
                                      "sign-in.")
        else:
            messages.info(request, f"{person.display_name} has no second factor set up.")
        return redirect("people:person", person.pk)
    return render(request, "accounts/people/reset_two_factor.html", {
        "person": person, "has_second_factor": two_factor.has_device(person)})


@require_http_methods(["GET", "POST"])
def invite_person(request: HttpRequest) -> HttpResponse:
    """“Invite someone”: the administrator gives a name, an address and a role; the person chooses
    their own password through the emailed link."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitations.invite(
                email=data["email"], name=data["name"], role=data["role"], agency=data["agency"],
                line_manager=data["line_manager"], invited_by=request.user, username=data["username"] or None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            hours = round(invitations.expiry().total_seconds() / 3600)
            if invitations.is_held(invitation):
                messages.success(request, f"{invitation.user.display_name}'s account is made (username "
                                          f"{invitation.user.username}) but their role reads case records, so the "
                                          "invitation is sent only once another administrator or the partnership "
                                          "lead confirms it. They have been asked.")
            else:
                messages.success(request, f"Invitation sent to {invitation.user.email} (username "
                                          f"{invitation.user.username}). The link in it works for {hours} hours.")
            return redirect("people:person", invitation.user.pk)
    return render(request, "accounts/people/invite.html", {"form": form})
