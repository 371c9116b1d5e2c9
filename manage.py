#!/usr/bin/env python
import os
import sys

# Commands that read only files: they run without a secret key or a database.
NEEDS_NO_CONFIGURATION = frozenset({"flowchart", "help", "version", "--help", "-h", "--version"})


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isg.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    try:
        if command not in NEEDS_NO_CONFIGURATION:
            from django.conf import settings

            problem = getattr(settings, "ISG_CONFIGURATION_ERROR", "")
            if problem:
                raise ImproperlyConfigured(problem)
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # One line the operator can act on, not a traceback.
        sys.exit(f"manage.py {command}: {exc}")


if __name__ == "__main__":
    main()
