"""`manage.py reset_two_factor USERNAME`: when the only administrators have lost their phones.

Administrators reset other people's second factor in the Django admin; this is for when nobody who
could do that can sign in. Audited (actor: the system) and ends the person's sessions, as in the admin.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from isg.accounts import two_factor
from isg.accounts.models import User


class Command(BaseCommand):
    help = "Remove a user's authenticator app, so they set up a new one at their next sign-in (audited)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"No user is called {options['username']!r}.") from None
        if two_factor.remove(user, actor=None, by="command"):
            self.stdout.write(f"Second factor reset for {user.username}: they will set up a new authenticator app "
                              "at their next sign-in, and have been signed out everywhere.")
        else:
            self.stdout.write(f"{user.username} had no second factor set up: nothing to reset.")
