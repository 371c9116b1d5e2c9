"""`manage.py changepassword USERNAME`: Django's, and then the person must choose their own password
at their next sign-in (whoever ran the command knows this one), audited as set by a command.

It replaces Django's own because isg.accounts comes before django.contrib.auth in INSTALLED_APPS.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.management.commands import changepassword

from isg.accounts.models import User
from isg.accounts.passwords import password_set_by_administrator


class Command(changepassword.Command):
    help = ("Change a user's password. They must choose a new one of their own at their next sign-in "
            "(audited; the password is never recorded).")

    def handle(self, *args: Any, **options: Any) -> str:
        result = super().handle(*args, **options)
        username = options["username"] or getpass.getuser()
        user = User._default_manager.db_manager(options["database"]).get_by_natural_key(username)
        password_set_by_administrator(user=user, actor=None, by="command")
        return f"{result}. They must choose a new one of their own at their next sign-in."
