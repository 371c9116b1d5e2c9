"""Who may reach which URL: ONE table, read by the middleware, the views, the system check and the tests.

Deny by default. Every named URL in the URLconf has a row here, keyed by its URL name
("decisions:question"); a URL with no row answers 404 (and `manage.py check` and the matrix test
fail). A role not in a row's `roles` gets 403 on a page and 404 on a record URL, so a record's
existence is never hinted at. For record URLs (`record="decision"`) the middleware also asks
`isg.access.services.decision_for(user, public_id, action)`, and the view asks again.

Adding a URL: add its row in the section of the app that owns it. Keep one row per URL name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from isg.accounts.models import User

Role = User.Role
Action = Literal["view", "edit", "approve", "history", "amend", "export", "hand_over", "follow_up"]
ACTIONS: tuple[str, ...] = ("view", "edit", "approve", "history", "amend", "export", "hand_over", "follow_up")

PRACTITIONER, LINE_MANAGER, PARTNERSHIP, TRAINER, ADMIN, DPO = (
    Role.PRACTITIONER, Role.LINE_MANAGER, Role.PARTNERSHIP, Role.TRAINER, Role.ADMIN, Role.DATA_PROTECTION_OFFICER,
)
EVERYONE = frozenset(Role.values)  # every signed-in role
DECISION_MAKERS = frozenset({PRACTITIONER, LINE_MANAGER})
DECISION_READERS = frozenset({PRACTITIONER, LINE_MANAGER, PARTNERSHIP})  # LSCB reads, never writes
# Who may read a recorded decision's page, history and PDF: the readers, and a data protection
# officer for the decisions whose breach assessment they own (isg/access/services.py).
RECORD_READERS = DECISION_READERS | {DPO}
TASK_OWNERS = frozenset({PRACTITIONER, LINE_MANAGER, DPO})  # anyone a follow-up can be assigned to
MANAGERS = frozenset({LINE_MANAGER})
CASE_STUDY_READERS = frozenset({PRACTITIONER, LINE_MANAGER, PARTNERSHIP, TRAINER})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    """One URL's access.

    roles: the roles that may reach it at all (signed in and active).
    record: "decision" when the URL names a decision by `public_id`; the record check then runs.
    action: what the URL does to that record (see services.may): view, edit, approve, history,
        amend, export, hand_over, follow_up. Ignored when `record` is None.
    public: reachable without signing in (sign-in, password reset); `roles` is then ignored.
    staff: Django's own admin: only active staff pass, as the admin itself decides (and it
        registers no case content); anonymous visitors are sent to sign in.
    """

    roles: frozenset[str] = NOBODY
    record: Literal["decision"] | None = None
    action: Action = "view"
    public: bool = False
    staff: bool = False

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}")
        object.__setattr__(self, "roles", frozenset(self.roles))

    def allows_role(self, user) -> bool:
        """Whether this signed-in user's role may reach the URL (the record check comes after)."""
        if self.public:
            return True
        if not (user.is_authenticated and user.is_active):
            return False
        if self.staff:
            return bool(user.is_staff)  # as Django's admin itself decides (it shows no case content)
        return user.role in self.roles


def page(*roles) -> Rule:
    return Rule(roles=frozenset().union(*[r if isinstance(r, frozenset) else {r} for r in roles]))


def record(roles, action: Action = "view") -> Rule:
    return Rule(roles=frozenset(roles), record="decision", action=action)


PUBLIC = Rule(public=True)

# Django admin: its URL names are many and generated; one row covers the namespace.
ADMIN_NAMESPACE = "admin"

RULES: dict[str, Rule] = {
    # -- site --------------------------------------------------------------------------------
    "home": page(EVERYONE),  # sends each role to its own start page
    # Django admin: for technical superusers (the administrator role uses the pages below instead).
    f"{ADMIN_NAMESPACE}:*": Rule(staff=True),
    f"{ADMIN_NAMESPACE}:login": PUBLIC,  # the admin's own sign-in page (same lockout form as ours)
    "healthz": PUBLIC,  # liveness for the load balancer (isg/ops): {"status": "ok"}, nothing else
    "readyz": PUBLIC,  # readiness: names of checks and fixed reasons, no records, no versions
    "healthz-worker": PUBLIC,  # the task worker's heartbeat, for alerting: "ok" or a fixed reason

    # -- accounts (isg/accounts) ---------------------------------------------------------------
    "accounts:login": PUBLIC,
    "accounts:password-reset": PUBLIC,
    "accounts:password-reset-done": PUBLIC,
    "accounts:password-reset-confirm": PUBLIC,
    "accounts:password-reset-complete": PUBLIC,
    # Invitations (isg/accounts/invitations.py): the one-time link, then choosing a password.
    "accounts:invitation": PUBLIC,
    "accounts:invitation-accept": PUBLIC,
    "accounts:account": page(EVERYONE),
    "accounts:logout": page(EVERYONE),
    "accounts:password-change": page(EVERYONE),
    "accounts:password-change-done": page(EVERYONE),
    # People pages for administrators (isg/accounts/people_views.py, away_views.py, import_views.py):
    # people, their places, counts and away periods; never a decision.
    "people:list": page(ADMIN),
    "people:invite": page(ADMIN),
    "people:import": page(ADMIN),
    "people:import-check": page(ADMIN),
    "people:person": page(ADMIN),
    "people:edit": page(ADMIN),
    "people:deactivate": page(ADMIN),
    "people:reactivate": page(ADMIN),
    "people:resend-invitation": page(ADMIN),
    "people:reset-two-factor": page(ADMIN),
    "people:away": page(ADMIN),
    "people:away-end": page(ADMIN),
    "accounts:away": page(MANAGERS),  # a line manager's own away periods
    # Changes that give access, waiting for a second person (isg/accounts/access_changes.py): partnership
    # staff read them; only another administrator or the partnership lead confirms or refuses.
    "changes:list": page(ADMIN, PARTNERSHIP),
    "changes:decide": page(ADMIN, PARTNERSHIP),
    # The administration log (isg/accounts/admin_log.py): who changed whom, read-only.
    "adminlog:list": page(PARTNERSHIP, ADMIN),
    # Agencies and the directory of organisations (isg/agencies, isg/directory): administrators.
    "agencies:list": page(ADMIN),
    "agencies:add": page(ADMIN),
    "agencies:edit": page(ADMIN),
    "directory:list": page(ADMIN),
    "directory:add": page(ADMIN),
    "directory:edit": page(ADMIN),
    "directory:set-active": page(ADMIN),
    # Single sign-on (isg/sso): the way in, so public; both answer 404 unless it is configured.
    "sso:start": PUBLIC,
    "sso:callback": PUBLIC,
    # Second factor (isg/accounts/two_factor.py): the code and set-up pages are also the only ones a
    # signed-in session reaches before its code (isg/accounts/two_factor_middleware.py).
    "accounts:two-factor-verify": page(EVERYONE),
    "accounts:two-factor-setup": page(EVERYONE),
    "accounts:two-factor-remove": page(EVERYONE),
    "accounts:two-factor-backup-codes": page(EVERYONE),  # only with an app set up, in a verified session

    # -- decisions: the walk (isg/decisions) --------------------------------------------------
    "decisions:mine": page(DECISION_MAKERS),
    "decisions:new": page(DECISION_MAKERS),
    "decisions:urgent-guidance": page(DECISION_MAKERS),
    "decisions:resume": record(DECISION_READERS, "view"),
    "decisions:question": record(DECISION_MAKERS, "edit"),
    "decisions:urgent": record(DECISION_MAKERS, "edit"),
    "decisions:press-urgent": record(DECISION_MAKERS, "edit"),
    "decisions:restart": record(DECISION_MAKERS, "edit"),
    "decisions:check": record(DECISION_MAKERS, "edit"),
    "decisions:outcome": record(RECORD_READERS, "view"),

    # -- case studies (isg/casestudies): trainers see only these ------------------------------
    "casestudies:library": page(CASE_STUDY_READERS),
    "casestudies:case": page(CASE_STUDY_READERS),
    "casestudies:walk": page(CASE_STUDY_READERS),
    "casestudies:walk-step": page(CASE_STUDY_READERS),
    "casestudies:train": page(CASE_STUDY_READERS),
    "casestudies:train-step": page(CASE_STUDY_READERS),
    "casestudies:train-results": page(CASE_STUDY_READERS),
    "casestudies:train-restart": page(CASE_STUDY_READERS),

    # -- flowchart reference pages (isg/flowchart): no case content ---------------------------
    "flowchart:how_it_works": page(EVERYONE),
    "flowchart:diagram_svg": page(EVERYONE),
    "flowchart:glossary": page(EVERYONE),
    "flowchart:changes": page(EVERYONE),

    # -- approvals (isg/approvals) ------------------------------------------------------------
    "approvals:queue": page(MANAGERS),
    "approvals:decide": record(MANAGERS, "approve"),
    "approvals:hand-over": record(MANAGERS, "hand_over"),
    # The owner withdraws a decision submitted in error, before anything was shared (withdrawal.py).
    "approvals:withdraw": record(DECISION_MAKERS, "edit"),

    # -- history (isg/decisions history and amendments) ---------------------------------------
    "decisions:history": record(RECORD_READERS, "history"),  # LSCB reads the history too
    "decisions:amend": record(DECISION_MAKERS, "amend"),  # the owner, or a manager who holds it

    # -- decision register (isg/register): LSCB reads the partnership's, managers their scope --
    "register:list": page(PARTNERSHIP, LINE_MANAGER),

    # -- flags for audit or learning review (isg/reviews): partnership staff raise and clear them --
    "reviews:flag": record({PARTNERSHIP}, "view"),
    "reviews:clear": record({PARTNERSHIP}, "view"),

    # -- partnership dashboard (isg/dashboard): figures across agencies, LSCB staff only ----------
    "dashboard:index": page(PARTNERSHIP),

    # -- exports of the register (isg/exports): the register's readers, each job its requester's --
    # A job belongs to whoever asked: the views answer 404 to anyone else (isg/exports/views.py).
    "exports:csv": page(PARTNERSHIP, LINE_MANAGER),
    "exports:zip": page(PARTNERSHIP, LINE_MANAGER),
    "exports:job": page(PARTNERSHIP, LINE_MANAGER),
    "exports:download": page(PARTNERSHIP, LINE_MANAGER),

    # -- PDF decision records (isg/records): anyone who may read the decision, export logged --
    "records:pdf": record(RECORD_READERS, "export"),

    # -- what was shared after a decision, and who was told (isg/disclosures): the owner writes;
    # every reader of the decision sees the list on its page and in its PDF.
    "disclosures:share": record(DECISION_MAKERS, "edit"),
    "disclosures:telling": record(DECISION_MAKERS, "edit"),
    # -- follow-ups (isg/followups): each person's own tasks ------------------------------------
    "followups:todo": page(TASK_OWNERS),
    "followups:complete": page(TASK_OWNERS),  # the view answers 404 for a task that is not theirs
    # A follow-up action (a task for themself or a colleague): the decision's owner, or the line
    # manager responsible for it now (services.may "follow_up").
    "followups:add-action": record(DECISION_MAKERS, "follow_up"),
}


def rule_for(url_name: str | None) -> Rule | None:
    """The row for a resolved URL name ("namespace:name"); None means deny."""
    if not url_name:
        return None
    if url_name in RULES:
        return RULES[url_name]
    namespace = url_name.split(":", 1)[0]
    if namespace == ADMIN_NAMESPACE:
        return RULES.get(f"{ADMIN_NAMESPACE}:*")
    return None
