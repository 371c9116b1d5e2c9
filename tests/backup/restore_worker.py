"""The app's side of the restore test, run in its own process against one database (DATABASE_URL).

    python -m tests.backup.restore_worker seed              demo decisions, an approval, a return, amendments
    python -m tests.backup.restore_worker counts            rows per table, as JSON
    python -m tests.backup.restore_worker render ID OUT     the decision's PDF record, written to OUT

No `test_` prefix: pytest does not collect it. Runs under isg.settings with ISG_DEBUG=1 (the demo
loader refuses otherwise), never against the test runner's database.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path


def main() -> None:
    import django

    django.setup()
    action, args = sys.argv[1], sys.argv[2:]
    {"seed": seed, "counts": counts, "render": render}[action](*args)


def seed() -> None:
    from django.core.management import call_command

    from isg.accounts.models import User
    from isg.decisions import history
    from isg.decisions.models import Decision

    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115 - demo's own listing
    decided = Decision.objects.filter(status__in=[Decision.Status.APPROVED, Decision.Status.NOT_APPROVED])
    assert decided.exists(), "the demo data should hold decided approvals"
    for decision in decided.order_by("id")[:2]:
        history.amend(decision=decision, actor=decision.owner, reason="The date of the visit was wrong",
                      text="The visit was on 2 March, not 3 March. Ünïcödé and “quotes” kept.")
    sample = decided.filter(amendments__isnull=False).order_by("id").first()
    print(json.dumps({"sample": str(sample.public_id), "exporter": User.objects.get(username="manager").pk}))


def counts() -> None:
    from django.apps import apps

    print(json.dumps({model._meta.label: model._base_manager.count() for model in apps.get_models()}, sort_keys=True))


def render(public_id: str, out: str) -> None:
    from django.contrib.auth import get_user_model

    from isg.decisions.models import Decision
    from isg.records.pdf import render_decision_pdf

    decision = Decision.objects.get(public_id=public_id)
    exporter = get_user_model().objects.get(username="manager")
    # One export instant for both databases' copies: the footer names it on every page, and two
    # renders either side of a minute would otherwise differ there (seen on a busy machine).
    exported_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    Path(out).write_bytes(render_decision_pdf(decision, exported_by=exporter, exported_at=exported_at).pdf)


if __name__ == "__main__":
    main()
