"""Opening and completing follow-ups: each on the decision's history (and so its audit chain).

`open_from_record(decision, actor)` turns the dates a submitted decision's record names into tasks,
called by `approvals.submission.decision_submit`:

- "When they will be told" (inform_person, inform_by): kind inform, owned by the practitioner,
  once the sharing may go ahead: at submission, or, where approval comes before sharing, when it is
  approved (approvals.decide calls this again); never for a decision not approved;
- "Date to reconsider telling them" (inform_person, reconsider_date): kind reconsider_telling,
  owned by the practitioner;
- "Review date" (record, review_date): kind review, owned by whoever "Who will review this
  decision" names when that is exactly one active person of the decision's agency (by full name or
  username), else the practitioner; the words stay in the task's description.

"Follow-up actions" is one free-text box ("who will do what, by when") with no owner or date the
app can read, so it opens no task by itself: the decision page shows those words with "Add them as
follow-up actions" until one is added, and the decision's owner (or their line manager) adds each action
as a task of its own (`open_action`, the "Add a follow-up action" page, which can start from the words): what, who (themself or a colleague of the
decision's agency with a To do page) and by when. Each task is opened once per decision and date (the `source`
column): submitting again after a return finds it; if the date changed, the open task moves and
the move is on the decision's history (follow_up_moved); a completed one is left as it is.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from isg.access.services import may
from isg.accounts.models import User
from isg.decisions import history
from isg.decisions.models import Decision, DecisionEvent
from isg.lib.text import validate_plain_text

from .models import FollowUp

Kind = DecisionEvent.Kind


class AlreadyCompleted(Exception):
    """Someone completed this follow-up first (another tab, or a colleague)."""


class NotYours(Exception):
    """Only the follow-up's owner completes it."""


def data_protection_officer_for(decision: Decision) -> User | None:
    """The agency's data protection officer; else one who serves every agency (no agency set)."""
    officers = User.objects.filter(role=User.Role.DATA_PROTECTION_OFFICER, is_active=True)
    return (officers.filter(agency_id=decision.agency_id).order_by("pk").first()
            or officers.filter(agency__isnull=True).order_by("pk").first())


def _open(decision: Decision, actor: User, kind: str, *, owner: User | None, due_at: datetime.datetime,
          description: str = "", source: str = "") -> FollowUp:
    follow_up = FollowUp.objects.create(
        decision=decision, kind=kind, owner=owner, due_at=due_at, created_by=actor, description=description,
        source=source,
    )
    extra = {"source": source} if source else {}
    history.record(
        decision, actor, Kind.FOLLOW_UP_OPENED, follow_up=follow_up.pk, follow_up_kind=kind,
        owner=owner.display_name if owner else "", due_at=due_at.isoformat(), **extra,
    )
    return follow_up


def _end_of(day: datetime.date) -> datetime.datetime:
    """A date in a record is due by the end of that working day: 17:00 UK time."""
    return datetime.datetime.combine(day, datetime.time(17, 0), tzinfo=timezone.get_current_timezone())


def _date(value) -> datetime.date | None:
    """A date as the record stores it (ISO), or as typed ("27 3 2027"); None if it is neither."""
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.replace("/", " ").replace("-", " ").split()
    try:
        day, month, year = (int(p) for p in parts)
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _step_fields(decision: Decision, node: str) -> tuple[str, dict]:
    """The answer and fields of `node` on the decision's path ("", {} if it is not there)."""
    for step in decision.path:
        if step.get("node") == node:
            return step.get("answer", ""), dict(step.get("fields") or {})
    return "", {}


TASK_ROLES = (User.Role.PRACTITIONER, User.Role.LINE_MANAGER, User.Role.DATA_PROTECTION_OFFICER)


def reviewer_named(decision: Decision, words: str) -> User | None:
    """The one active person of the decision's agency, of a role that has a To do page (a practitioner,
    line manager or data protection officer), whose full name or username is `words`."""
    name = " ".join(str(words or "").split()).casefold()
    if not name:
        return None
    staff = User.objects.filter(is_active=True, role__in=TASK_ROLES)
    staff = staff.filter(agency_id=decision.agency_id) if decision.agency_id else staff.filter(agency__isnull=True)
    found = [u for u in staff.only("pk", "first_name", "last_name", "username")
             if name in (" ".join(u.get_full_name().split()).casefold(), u.username.casefold())]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Wanted:
    source: str
    kind: str
    owner: User | None
    due_on: datetime.date
    description: str


# Nothing may be shared yet (or ever): there is nobody to tell what was shared.
NOTHING_SHARED_YET = (Decision.Status.AWAITING_APPROVAL, Decision.Status.RETURNED, Decision.Status.NOT_APPROVED,
                      Decision.Status.ESCALATED, Decision.Status.DRAFT)


def wanted_from_record(decision: Decision) -> list[Wanted]:
    """The tasks the decision's record asks for, by the dates it names."""
    wanted = []
    answer, fields = _step_fields(decision, "inform_person")
    inform_by = _date(fields.get("inform_by"))
    if answer == "will_inform" and inform_by and decision.status not in NOTHING_SHARED_YET:
        who = fields.get("inform_who", "")
        wanted.append(Wanted("inform_by", FollowUp.Kind.INFORM, decision.owner, inform_by,
                             f"Tell the person what was decided. Who will tell them: {who}" if who
                             else "Tell the person what was decided."))
    reconsider = _date(fields.get("reconsider_date"))
    if answer == "not_informing" and reconsider:
        wanted.append(Wanted("reconsider_date", FollowUp.Kind.RECONSIDER_TELLING, decision.owner, reconsider,
                             "Reconsider telling the person: once the reason no longer applies, tell them."))
    record = decision.record or {}
    review_on = _date(record.get("review_date"))
    if review_on:
        named = str(record.get("review_owner") or "").strip()
        owner = reviewer_named(decision, named) or decision.owner
        wanted.append(Wanted("review_date", FollowUp.Kind.REVIEW, owner, review_on,
                             f"Review the decision. Who will review it: {named}" if named else "Review the decision."))
    return wanted


def open_from_record(decision: Decision, actor: User) -> list[FollowUp]:
    """Open (once) the tasks the record names; move an open one whose date changed. Returns those opened."""
    opened = []
    with transaction.atomic():
        existing = {f.source: f for f in FollowUp.objects.select_for_update().filter(decision=decision).exclude(source="")}
        for want in wanted_from_record(decision):
            due_at = _end_of(want.due_on)
            task = existing.get(want.source)
            if task is None:
                opened.append(_open(decision, actor, want.kind, owner=want.owner, due_at=due_at,
                                    description=want.description, source=want.source))
            elif task.is_open and task.due_at != due_at:
                FollowUp.objects.filter(pk=task.pk).update(due_at=due_at, description=want.description)
                history.record(decision, actor, Kind.FOLLOW_UP_MOVED, follow_up=task.pk, follow_up_kind=task.kind,
                               source=want.source, moved_from=task.due_at.isoformat(), due_at=due_at.isoformat())
    return opened


def open_breach_assessment(decision: Decision, actor: User, *, lessons: str) -> FollowUp:
    """An approver disagreed after sharing: the data protection officer assesses a possible breach
    (UK GDPR Article 33: 72 hours), asks the recipient to delete what went beyond need, and the
    lessons are recorded. The share itself stands: a referral is never withdrawn. The approver's
    answer that opens it (isg/approvals) emails the officer."""
    officer = data_protection_officer_for(decision)
    due_at = timezone.now() + datetime.timedelta(hours=settings.ISG_BREACH_ASSESSMENT_HOURS)
    return _open(
        decision, actor, FollowUp.Kind.BREACH_ASSESSMENT, owner=officer, due_at=due_at,
        description=("Assess whether sharing beyond what was needed is a personal data breach to report to the "
                     "ICO within 72 hours; ask the recipient to delete anything beyond what was needed. "
                     f"The reviewer's lessons: {lessons}"),
    )


def open_review(decision: Decision, actor: User, *, owner: User, description: str,
                due_on: datetime.date) -> FollowUp:
    """A decision not to share that must be reviewed: by whom (in words) and by when."""
    due_at = _end_of(due_on)
    return _open(decision, actor, FollowUp.Kind.REVIEW, owner=owner, due_at=due_at,
                 description=description or "Review the decision not to share.")


def open_reconsider_telling(decision: Decision, actor: User, *, owner: User, due_on: datetime.date,
                            description: str = "") -> FollowUp:
    """The person was not told what was shared: the owner reconsiders telling them by `due_on`."""
    due_at = datetime.datetime.combine(due_on, datetime.time(17, 0), tzinfo=timezone.get_current_timezone())
    return _open(decision, actor, FollowUp.Kind.RECONSIDER_TELLING, owner=owner, due_at=due_at,
                 description=description or "Reconsider telling the person what was shared. Once the reason no "
                                            "longer applies, tell them.")


# -- follow-up actions the decision's owner adds (issue 14) -----------------------------------------

class ActionRefused(Exception):
    """The action could not be added: `message` says why, `field` names the form field it is about
    (None: the decision itself, as a draft or a withdrawn one)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


# A draft is not a decision yet; a withdrawn or superseded one has nothing left to follow up.
NO_ACTIONS = {
    Decision.Status.DRAFT: "This decision is still a draft: record it first, then add follow-up actions.",
    Decision.Status.WITHDRAWN: "This decision was withdrawn (submitted in error), so follow-up actions cannot be "
                               "added to it.",
    Decision.Status.SUPERSEDED: "This decision was restarted under a newer flowchart, so follow-up actions cannot "
                                "be added to it. Add them to the new decision.",
}
PAST_DUE = "The due date must be today or in the future"
ACTION_SOURCE = "action:"  # + the form's one-time token (hex): one task per form, however often it is posted


def action_refusal(decision: Decision) -> str:
    """Why no follow-up action may be added to `decision` now; "" when one may."""
    return NO_ACTIONS.get(decision.status, "")


def action_owners(decision: Decision) -> QuerySet[User]:
    """Who may be given a follow-up action: the active people of the decision's agency with a To do
    page (practitioners, line managers, data protection officers), the decision's owner among them."""
    staff = User.objects.filter(is_active=True, role__in=TASK_ROLES)
    staff = staff.filter(agency_id=decision.agency_id) if decision.agency_id else staff.filter(agency__isnull=True)
    return staff.order_by("first_name", "last_name", "username")


def open_action(*, decision: Decision, actor: User, owner: User, description: str, due_on: datetime.date,
                token: uuid.UUID) -> FollowUp:
    """Open a follow-up action (kind action) on `decision`: `owner` does `description` by the end of
    `due_on`. The owner or their line manager adds one (access "follow_up"); a colleague given it is emailed (a link only). Once
    per form `token`: a repeated post returns the first task with `already_opened` set. Raises
    ActionRefused, changing nothing."""
    if not may(actor, decision, "follow_up"):
        raise ActionRefused("Only the person who made the decision, or their line manager, can add follow-up "
                            "actions to it.")
    description = (description or "").strip()
    if not description:
        raise ActionRefused("Enter what is to be done", "description")
    if len(description) > settings.ISG_MAX_TEXT_LENGTH:
        raise ActionRefused(f"What is to be done must be {settings.ISG_MAX_TEXT_LENGTH} characters or fewer",
                            "description")
    try:
        validate_plain_text(description)
    except ValidationError as error:
        raise ActionRefused(error.messages[0], "description") from None
    if due_on < timezone.localdate():
        raise ActionRefused(PAST_DUE, "due_on")
    source = f"{ACTION_SOURCE}{token.hex}"
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        existing = FollowUp.objects.filter(decision=decision, source=source).first()
        if existing is not None:
            existing.already_opened = True
            return existing
        refusal = action_refusal(decision)
        if refusal:
            raise ActionRefused(refusal)
        if not action_owners(decision).filter(pk=owner.pk).exists():
            raise ActionRefused("Select who will do it from the list", "owner")
        try:
            with transaction.atomic():
                follow_up = _open(decision, actor, FollowUp.Kind.ACTION, owner=owner, due_at=_end_of(due_on),
                                  description=description, source=source)
        except IntegrityError:  # the same form, posted twice at once: the other post opened it
            follow_up = FollowUp.objects.get(decision=decision, source=source)
            follow_up.already_opened = True
            return follow_up
    follow_up.already_opened = False
    if owner.pk != actor.pk:  # someone given a task by a colleague hears of it now, not only when it is due
        from . import tasks

        tasks.send_action_notice.enqueue(owner.pk)
    return follow_up


def complete(follow_up: FollowUp, actor: User, *, note: str) -> FollowUp:
    """Record that it is done, by whom and when, with what they found. Once only."""
    if follow_up.owner_id is not None and follow_up.owner_id != actor.pk:
        raise NotYours(follow_up.pk)
    now = timezone.now()
    with transaction.atomic():
        updated = FollowUp.objects.filter(pk=follow_up.pk, completed_at__isnull=True).update(
            completed_at=now, completed_by=actor, completion_note=note,
        )
        if not updated:
            raise AlreadyCompleted(follow_up.pk)
        history.record(follow_up.decision, actor, Kind.FOLLOW_UP_COMPLETED, follow_up=follow_up.pk,
                       follow_up_kind=follow_up.kind, note=note)
    follow_up.refresh_from_db()
    return follow_up
