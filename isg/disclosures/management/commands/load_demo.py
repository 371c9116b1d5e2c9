"""`manage.py load_demo`: demo agencies, one user per role (two administrators, so one can confirm the
other's changes that give access), the directory of organisations, and decisions in every approval state.

Here, in the app at the top of the decision workflow (.importlinter), because the demo builds on
every app below it: people, the directory, decisions and approvals, then what was shared."""

from __future__ import annotations

import json
import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from isg.accounts import two_factor
from isg.accounts.models import User
from isg.agencies.models import Agency
from isg.approvals import demo
from isg.directory import demo as directory_demo
from isg.disclosures import demo as disclosures_demo

DEFAULT_PASSWORD = "isg-demo-2026"


class Command(BaseCommand):
    help = "Load demo agencies and users (password from DEMO_PASSWORD). Refused unless ISG_DEBUG is on."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is for local use only: it is never loaded with ISG_DEBUG off.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            call_command("loaddata", "demo_agencies", verbosity=0)
            directory_demo.load()  # each agency as a member, and five other organisations
            people = json.loads((settings.FIXTURE_DIRS[0] / "demo_users.json").read_text(encoding="utf-8"))
            users = {p["username"]: self._user(p, password) for p in people}
            for person in people:
                manager = users.get(person.get("line_manager") or "")
                deputy = users.get(person.get("deputy") or "")
                User.objects.filter(pk=users[person["username"]].pk).update(line_manager=manager, deputy=deputy)
            for user in users.values():
                user.refresh_from_db()
            # Decisions waiting for approval, returned, overdue, escalated, decided: see isg/approvals/demo.py.
            made = demo.load(users)
            disclosures_demo.load(made)  # what was shared on one of them, and that the mother was not told
        self.stdout.write(f"Demo users (password: {password}):")
        for person in people:
            self.stdout.write(f"  {person['username']:<14} {User.Role(person['role']).label}")
        # Second factor (isg/accounts/two_factor.py): demo users get no authenticator app, so the
        # required roles see the set-up page at their first sign-in; a reload keeps the app they set up.
        required = [u.username for u in users.values() if two_factor.required_for(u)]
        if required:
            self.stdout.write(
                f"{', '.join(required[:-1]) + ' and ' if len(required) > 1 else ''}{required[-1]} also need a code from an authenticator app on your phone: at the first "
                "sign-in, scan the QR code shown (or type its key), then enter the app's code. Lost it? "
                f"ISG_DEBUG=1 .venv/bin/python manage.py reset_two_factor {required[0]}"
            )
        if made:
            self.stdout.write(f"{len(made)} demo decisions made (case references {made[0].case_reference} to {made[-1].case_reference}).")

    def _user(self, person: dict[str, Any], password: str) -> User:
        agency = Agency.objects.get(slug=person["agency"]) if person.get("agency") else None
        user, _ = User.objects.update_or_create(
            username=person["username"],
            defaults={
                "first_name": person["first_name"], "last_name": person["last_name"], "role": person["role"],
                "agency": agency, "is_staff": person.get("is_staff", False),
                "is_superuser": person.get("is_superuser", False),
                "is_partnership_lead": person.get("is_partnership_lead", False),
                "is_designated_safeguarding_lead": person.get("is_designated_safeguarding_lead", False),
                # Approval emails go here (the console in development); demo addresses only.
                "email": f"{person['username']}@example.org",
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        return user
