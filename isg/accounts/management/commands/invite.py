"""`manage.py invite EMAIL --name "Full Name" --role ROLE [--agency SLUG] [--line-manager USERNAME]`

Makes the account and queues the invitation email (the task worker, `manage.py db_worker`, sends it),
as the "Invite someone" page does; `--resend` sends a new link to someone who has not accepted yet.
Audited with no actor (a command on the server) unless `--invited-by USERNAME` names the administrator.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from isg.accounts import invitations
from isg.accounts.models import User
from isg.agencies.models import Agency


class Command(BaseCommand):
    help = "Invite someone by email: they set their own password through a one-time link (audited)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", help="Their full name (required unless --resend).")
        parser.add_argument("--role", choices=User.Role.values, help="Their role (required unless --resend).")
        parser.add_argument("--agency", help="The agency's slug (practitioners and line managers).")
        parser.add_argument("--line-manager", help="Their line manager's username.")
        parser.add_argument("--username", help="Default: the part of the address before the @.")
        parser.add_argument("--invited-by", help="The administrator's username, for the audit record.")
        parser.add_argument("--resend", action="store_true", help="Send a new link to someone already invited.")

    def handle(self, *args: Any, **options: Any) -> None:
        invited_by = self._user(options["invited_by"], "--invited-by") if options["invited_by"] else None
        try:
            if options["resend"]:
                person = User.objects.filter(email__iexact=options["email"].strip()).first()
                if person is None:
                    raise CommandError(f"Nobody has the address {options['email']!r}: invite them instead.")
                invitation = invitations.invitation_resend(user=person, invited_by=invited_by)
            else:
                if not options["name"] or not options["role"]:
                    raise CommandError("--name and --role are required.")
                agency = self._agency(options["agency"]) if options["agency"] else None
                manager = self._user(options["line_manager"], "--line-manager") if options["line_manager"] else None
                invitation = invitations.invite(
                    email=options["email"], name=options["name"], role=options["role"], agency=agency,
                    line_manager=manager, invited_by=invited_by, username=options["username"],
                )
        except ValidationError as error:
            raise CommandError(self._explain(error)) from None
        hours = round(invitations.expiry().total_seconds() / 3600)
        if invitations.is_held(invitation):
            self.stdout.write(
                f"Account made for {invitation.user.email} (username {invitation.user.username}), switched off: its "
                "role reads case records, so the invitation is sent once another administrator or the partnership "
                "lead confirms it in People."
            )
            return
        self.stdout.write(
            f"Invitation queued for {invitation.user.email} (username {invitation.user.username}). The task worker "
            f"(manage.py db_worker) emails the link; it works for {hours} hours."
        )

    @staticmethod
    def _explain(error: ValidationError) -> str:
        if hasattr(error, "error_dict"):
            return "; ".join(f"{key}: {' '.join(e.messages[0] for e in errors)}" for key, errors in error.error_dict.items())
        return " ".join(error.messages)

    @staticmethod
    def _user(username: str, option: str) -> User:
        user = User.objects.filter(username=User.normalize_username(username)).first()
        if user is None:
            raise CommandError(f"{option}: no user is called {username!r}.")
        return user

    @staticmethod
    def _agency(slug: str) -> Agency:
        agency = Agency.objects.filter(slug=slug).first()
        if agency is None:
            raise CommandError(f"--agency: no agency has the slug {slug!r}.")
        return agency
