"""The people and records every access test uses: eleven principals (two still owing their second factor),
three records holding canaries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from isg.accounts.models import User
from tests.factories import make_agency, make_decision, make_manager, make_user

PRINCIPALS = ("anonymous", "practitioner", "practitioner_other_agency", "manager", "manager_other_agency",
              "lscb", "trainer", "admin", "superuser", *("lscb_code_owed", "admin_code_owed"))
# Signed in with the password but not yet the second factor (isg/accounts/two_factor.py).
CODE_OWED = frozenset({"lscb_code_owed", "admin_code_owed"})


@dataclass
class World:
    users: dict  # principal name -> User (None for anonymous)
    records: dict  # "draft" / "submitted" (the practitioner's), "other_agency" (practitioner2's) -> Decision
    canaries: dict  # record name -> the canary string planted in it
    agency: object
    other_agency: object


def canary() -> str:
    return f"CANARY-{uuid.uuid4().hex}"


@pytest.fixture
def world(db) -> World:
    agency, other = make_agency(name="North agency"), make_agency(name="South agency")
    practitioner = make_user(username="pat", agency=agency)
    practitioner2 = make_user(username="pat2", agency=other)
    manager = make_manager(username="manager", agency=agency, reports=[practitioner])
    manager2 = make_manager(username="manager2", agency=other, reports=[practitioner2])
    users = {
        "anonymous": None,
        "practitioner": practitioner,
        "practitioner_other_agency": practitioner2,
        "manager": manager,
        "manager_other_agency": manager2,
        "lscb": make_user(username="lscb", role=User.Role.PARTNERSHIP, agency=None),
        "trainer": make_user(username="trainer", role=User.Role.TRAINER, agency=None),
        # The administrator role uses ISG's own pages; a technical superuser also reaches Django's admin.
        "admin": make_user(username="admin", role=User.Role.ADMIN, agency=None),
        "superuser": make_user(username="root", role=User.Role.ADMIN, agency=None, is_staff=True, is_superuser=True),
        "lscb_code_owed": make_user(username="lscb_owed", role=User.Role.PARTNERSHIP, agency=None),
        "admin_code_owed": make_user(username="admin_owed", role=User.Role.ADMIN, agency=None, is_staff=True,
                                     is_superuser=True),
    }
    for name in CODE_OWED:
        users[name].otp_device = None  # force_login then leaves the code owed, as the password alone does
    canaries = {"draft": canary(), "submitted": canary(), "other_agency": canary()}
    records = {
        # The practitioner's draft part-way through, and a share-without-consent decision of theirs
        # submitted for approval (routed to `manager`): the record URLs are walked with these two.
        "draft": make_decision(practitioner, "outcome_share_without_consent", case_reference=canaries["draft"],
                               text=canaries["draft"], upto=4),
        "submitted": make_decision(practitioner, "outcome_share_without_consent", submit=True,
                                   case_reference=canaries["submitted"], text=canaries["submitted"]),
        # The other agency's submitted decision: only its canary is looked for (lists, queues).
        "other_agency": make_decision(practitioner2, "outcome_share_without_consent", submit=True,
                                      case_reference=canaries["other_agency"], text=canaries["other_agency"]),
    }
    return World(users=users, records=records, canaries=canaries, agency=agency, other_agency=other)
